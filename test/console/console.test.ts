import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConsole } from "../../console/build.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { Clients, expectOk } from "../harness/clients.js";
import { databaseKinds } from "../harness/databases.js";
import { newOrg, unique } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { newHumanWithPassword, PASSWORD } from "../login/helpers.js";

// Debian's chromium driven by playwright-core (no browser downloads); .ci/run installs it when missing.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ARTIFACTS = join(import.meta.dirname, "../artifacts");
// The real browser runs against PostgreSQL when there is one (as in CI), else PGlite.
const kind = databaseKinds.at(-1)!;

// CI (CI=true) always runs it; elsewhere, a machine without the browser skips it and says why.
const browserMissing = !existsSync(CHROMIUM) && !process.env.CI;
if (browserMissing) console.warn(`[console] ${CHROMIUM} not found: the browser test is skipped (apt-get install chromium, or set CHROMIUM_PATH)`);

describe.skipIf(browserMissing)(`the browser console on ${kind}`, () => {
  let server: TestServer;
  let clients: Clients;
  let browser: Browser;
  let dir: string;
  let orgId: string;
  let user: { userId: string; username: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "console-"));
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildConsole(dir);
    server = await startTestServer(kind, {}, { consoleDir: dir });
    clients = new Clients(server.url);
    orgId = await newOrg(clients, server.adminToken);
    user = await newHumanWithPassword(clients, server.adminToken, orgId);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    clients?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(viewport = { width: 1100, height: 800 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${server.url}/console`);
    return page;
  }

  async function signInWithToken(page: Page, token: string) {
    await page.getByLabel("Personal access token or session token").fill(token);
    await page.getByRole("button", { name: "Sign in with token" }).click();
  }

  it("refuses a bad token with its reason id", async () => {
    const page = await open();
    await signInWithToken(page, "not-a-token");
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("AUTH-no-valid-token");
    await page.context().close();
  });

  it("signs in, locks a user and shows the details; another client's change appears live", async () => {
    const page = await open();
    await signInWithToken(page, server.adminToken);
    await page.getByLabel("Search users").fill(user.username);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("link", { name: user.username }).click();
    await page.locator("#history li[data-type='user.human.added']").waitFor();
    await expect.poll(() => page.locator("#live").textContent()).toBe("(live)");

    await page.getByRole("button", { name: "Lock" }).click();
    await expect.poll(() => page.locator("#action-result").textContent()).toMatch(/Lock: done · sequence 2 · changed \d{4}-/);
    await page.locator("#history li[data-type='user.locked']").waitFor();
    await expect.poll(() => page.locator("h2 .badge").textContent()).toBe("locked");

    // Another client deactivates the user: the event and the new state arrive without a reload.
    expectOk(await clients.call("grpc", UserService, "deactivateUser", { userId: user.userId }, server.adminToken));
    await page.locator("#history li[data-type='user.deactivated']").waitFor();
    await expect.poll(() => page.locator("h2 .badge").textContent()).toBe("inactive");
    expect(await page.locator("#history li").evaluateAll((items) => items.map((li) => li.getAttribute("data-type")))).toEqual(["user.deactivated", "user.locked", "user.human.added"]);
    await page.screenshot({ path: join(ARTIFACTS, "console-user.png"), fullPage: true });
    await page.context().close();
  });

  it("signs in with username and password; organizations can be deactivated; fits a phone", async () => {
    const page = await open({ width: 375, height: 740 });
    const other = await newHumanWithPassword(clients, server.adminToken, orgId);
    await page.getByLabel("Login name").fill(other.username);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Login client token").fill(server.adminToken);
    await page.getByRole("button", { name: "Sign in with password" }).click();
    await page.getByRole("link", { name: "Organizations" }).waitFor();
    // The session is the user's own: without roles it sees itself only.
    await page.getByRole("link", { name: other.username }).waitFor();

    await signOutAndIn(page, server.adminToken);
    const name = unique("ui-org");
    const org = await newOrgNamed(clients, server.adminToken, name);
    await page.getByRole("link", { name: "Organizations" }).click();
    await page.getByRole("button", { name: `Deactivate ${name}` }).click();
    await page.getByRole("button", { name: `Reactivate ${name}` }).waitFor();
    await expect.poll(() => page.getByRole("status").textContent()).toContain(`${name}: deactivated`);
    expect(org).toBeTruthy();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(ARTIFACTS, "console-phone.png"), fullPage: true });
    await page.context().close();
  });

  async function signOutAndIn(page: Page, token: string) {
    await page.getByRole("button", { name: "Sign out" }).click();
    await signInWithToken(page, token);
    await page.getByRole("link", { name: "Organizations" }).waitFor();
  }
});

async function newOrgNamed(clients: Clients, token: string, name: string): Promise<string> {
  const { OrganizationService } = await import("../../gen/zitadel/org/v2/org_service_pb.js");
  return expectOk(await clients.call("connect-json", OrganizationService, "addOrganization", { name }, token)).organizationId;
}
