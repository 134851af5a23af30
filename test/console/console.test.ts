import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import { type Browser, chromium, type Page, type Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConsole } from "../../console/build.js";
import { OrganizationService as OrganizationServiceBeta } from "../../gen/zitadel/org/v2beta/org_service_pb.js";
import { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { UserState } from "../../gen/zitadel/user/v2/user_pb.js";
import { Clients, expectOk } from "../harness/clients.js";
import { databaseKinds } from "../harness/databases.js";
import { newHuman, newMachine, newOrg, unique } from "../harness/fixtures.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { newHumanWithPassword, PASSWORD } from "../login/helpers.js";
import { startReceiver, waitFor } from "../delivery/receiver.js";

// Debian's chromium driven by playwright-core (no browser downloads); .ci/run installs it when missing.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ARTIFACTS = join(import.meta.dirname, "../artifacts");
const WIDE = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 740 };
// A busy machine (CI runs the suite in parallel) can take seconds to hash a password or start a stream.
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });
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
  let orgName: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "console-"));
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildConsole(dir);
    // A failed delivery's next retry is far away: only the console's Redeliver sends it again soon.
    server = await startTestServer(kind, {}, { consoleDir: dir, delivery: { retryScheduleMs: [600_000] } });
    clients = new Clients(server.url);
    orgName = unique("ui-org");
    orgId = await newOrgNamed(clients, server.adminToken, orgName);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 60_000 });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    clients?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(viewport = WIDE, hash = ""): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    // Fake timers that run in real time until fast-forwarded: expiring messages are checked without waiting.
    await page.clock.install();
    await page.goto(`${server.url}/console${hash}`);
    return page;
  }

  async function signInWithToken(page: Page, token: string) {
    await page.getByLabel("Personal access token or session token").fill(token);
    await page.getByRole("button", { name: "Sign in with token" }).click();
  }

  async function signedIn(viewport = WIDE, hash = ""): Promise<Page> {
    const page = await open(viewport, hash);
    await signInWithToken(page, server.adminToken);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Organizations" }).waitFor();
    return page;
  }

  /** WCAG 2 A and AA (contrast included) in the light and the dark theme, as the page stands. */
  async function expectAccessible(page: Page, what: string) {
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      // Legacy mode runs in the page itself: the default opens another page per run, seconds on a busy machine.
      const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).setLegacyMode(true).analyze();
      expect(
        violations.map((v) => `${v.id}: ${v.nodes.map((n) => `${n.target.join(" ")} ${n.failureSummary ?? ""}`).join(" | ")}`),
        `${what} in the ${colorScheme} theme`,
      ).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: null });
  }

  const userState = async (userId: string) => expectOk(await clients.call("grpc", UserService, "getUserByID", { userId }, server.adminToken)).user?.state;

  it("puts a sign-in error at the top, focused and in view, with its reason id once, at both widths", async () => {
    for (const viewport of [WIDE, PHONE]) {
      const page = await open(viewport);
      await signInWithToken(page, "not-a-token");
      const alert = page.getByRole("alert");
      await poll(() => alert.textContent()).toContain("AUTH-no-valid-token");
      expect((await alert.textContent())!.split("AUTH-no-valid-token").length - 1).toBe(1);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("alert");
      const box = (await alert.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
      if (viewport === WIDE) await expectAccessible(page, "the sign-in page with an error");
      await page.context().close();
    }
  });

  it("creates an organization and users with and without a password; names stand for ids", async () => {
    const page = await signedIn();
    await page.getByRole("link", { name: "Organizations" }).click();
    const name = unique("made-in-ui");
    await page.getByLabel("New organization's name").fill(name);
    await page.getByRole("button", { name: "Create organization" }).click();
    await poll(() => page.getByRole("status").textContent()).toContain(`Organization ${name} created`);
    await page.getByRole("button", { name: `Deactivate ${name}` }).waitFor();
    await expectAccessible(page, "the organizations page");
    // A refused create: the error at the top, focused, its reason id once; leaving the page clears it.
    await page.getByLabel("New organization's name").fill(name);
    await page.getByRole("button", { name: "Create organization" }).click();
    const alert = page.getByRole("alert");
    await poll(() => alert.textContent()).toContain("Create organization failed: AlreadyExists");
    const reason = (await alert.getByTestId("reason").textContent())!;
    expect((await alert.textContent())!.split(reason).length - 1).toBe(1);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("alert");

    await page.getByRole("link", { name: "Users", exact: true }).first().click();
    await poll(() => alert.textContent()).toBe("");
    await page.getByRole("link", { name: "New user" }).click();
    const initialName = unique("ui-initial");
    await page.getByLabel("Organization").selectOption({ label: name });
    await page.getByLabel("Username").fill(initialName);
    await page.getByLabel("Given name").fill("Ida");
    await page.getByLabel("Family name").fill("Initial");
    await page.getByLabel("Email", { exact: true }).fill(`${initialName}@example.com`);
    await page.getByRole("button", { name: "Create user" }).click();
    await poll(() => page.locator("h2 .badge").textContent()).toBe("initial");
    await poll(() => page.getByRole("status").textContent()).toContain(`User ${initialName} created`);
    // The organization and the event's creator by name, not by id.
    await poll(() => page.getByTestId("org-name").textContent()).toBe(name);
    await poll(() => page.locator("#history li[data-type='user.human.added'] .creator").textContent()).toBe("zitadel-admin");

    await page.goto(`${server.url}/console#/users/new`);
    const withPassword = unique("ui-password");
    await page.getByLabel("Organization").selectOption({ label: name });
    await page.getByLabel("Username").fill(withPassword);
    await page.getByLabel("Given name").fill("Paula");
    await page.getByLabel("Family name").fill("Password");
    await page.getByLabel("Email", { exact: true }).fill(`${withPassword}@example.com`);
    await page.getByLabel("Password (optional)").fill(PASSWORD);
    await page.getByRole("button", { name: "Create user" }).click();
    await poll(() => page.locator("h2").first().textContent()).toContain(withPassword);
    await poll(() => page.locator("h2 .badge").textContent()).toBe("active");

    // The organization switcher and the state filter narrow the list; organizations show by name.
    await page.getByRole("link", { name: "Users", exact: true }).first().click();
    await page.locator("#org-filter").selectOption({ label: name });
    await page.waitForURL(/org=/);
    await poll(() => page.locator("tbody tr").count()).toBe(2);
    expect(await page.locator("tbody tr td.hide-narrow:last-child").allTextContents()).toEqual([name, name]);
    await page.locator("#state-filter").selectOption("initial");
    await page.waitForURL(/state=initial/);
    await poll(() => page.locator("tbody tr").allTextContents()).toEqual([expect.stringContaining(initialName)]);
    await page.context().close();
  });

  it("offers each bulk action only for the selected users it applies to, and asks before deactivating", async () => {
    const org = await newOrg(clients, server.adminToken);
    const [active, locked, inactive] = [await newHuman(clients, server.adminToken, org), await newHuman(clients, server.adminToken, org), await newHuman(clients, server.adminToken, org)];
    expectOk(await clients.call("grpc", UserService, "lockUser", { userId: locked }, server.adminToken));
    expectOk(await clients.call("grpc", UserService, "deactivateUser", { userId: inactive }, server.adminToken));

    const page = await signedIn(WIDE, `#/users?org=${org}`);
    await poll(() => page.locator("tbody tr").count()).toBe(3);
    await page.getByLabel("Select all users on this page").check();
    const bulk = page.getByRole("group", { name: "Bulk actions" });
    await poll(() => bulk.getByRole("button").allTextContents()).toEqual(["Deactivate 2 users", "Reactivate 1 user", "Lock 1 user"]);
    await expectAccessible(page, "the users list with a selection");

    // Lock asks first; cancelling changes nothing.
    await bulk.getByRole("button", { name: "Lock 1 user" }).click();
    await poll(() => page.getByRole("dialog").textContent()).toContain("Skipped, since it does not apply to them");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    expect(await userState(active)).toBe(UserState.ACTIVE);

    await bulk.getByRole("button", { name: "Deactivate 2 users" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Deactivate" }).click();
    await poll(() => page.getByRole("status").textContent()).toContain("Deactivate: 2 users deactivated");
    expect([await userState(active), await userState(locked), await userState(inactive)]).toEqual([UserState.INACTIVE, UserState.INACTIVE, UserState.INACTIVE]);
    // All three are inactive now, so only reactivation is offered for them.
    await page.getByLabel("Select all users on this page").check();
    await poll(() => bulk.getByRole("button").allTextContents()).toEqual(["Reactivate 3 users"]);
    await page.context().close();
  });

  it("asks before a lock, announces a change made elsewhere, lets messages expire, and ends a deleted user's page", async () => {
    const user = await newHumanWithPassword(clients, server.adminToken, orgId);
    const page = await signedIn();
    // Event streams this page has open, and every one it ever opened.
    const streams = { open: new Set<Request>(), opened: 0 };
    page.on("request", (req) => req.url().includes("WatchEvents") && (streams.open.add(req), streams.opened++));
    page.on("requestfinished", (req) => streams.open.delete(req));
    page.on("requestfailed", (req) => streams.open.delete(req));
    await page.getByLabel("Search users").fill(user.username);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("link", { name: user.username }).click();
    await page.locator("#history li[data-type='user.human.added']").waitFor();
    await poll(() => page.locator("#live").textContent()).toBe("(live)");
    await poll(() => page.getByTestId("org-name").textContent()).toBe(orgName);

    await page.getByRole("button", { name: "Lock" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    expect(await userState(user.userId)).toBe(UserState.ACTIVE);
    await page.getByRole("button", { name: "Lock" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Lock" }).click();
    await poll(() => page.locator("#action-result").textContent()).toMatch(/Lock: done · sequence 2 · changed \d{4}-/);
    await page.locator("#history li[data-type='user.locked']").waitFor();
    await poll(() => page.locator("h2 .badge").textContent()).toBe("locked");
    // The console's own change is not announced as someone else's.
    expect(await page.getByRole("status").textContent()).not.toContain("Changed elsewhere");

    // Another client deactivates the user: announced, and the new state arrives without a reload.
    expectOk(await clients.call("grpc", UserService, "deactivateUser", { userId: user.userId }, server.adminToken));
    await poll(() => page.getByRole("status").textContent()).toBe(`Changed elsewhere: ${user.username} was deactivated by zitadel-admin`);
    await poll(() => page.locator("h2 .badge").textContent()).toBe("inactive");
    expect(await page.locator("#history li").evaluateAll((items) => items.map((li) => li.getAttribute("data-type")))).toEqual(["user.deactivated", "user.locked", "user.human.added"]);
    await page.screenshot({ path: join(ARTIFACTS, "console-user.png"), fullPage: true });
    await expectAccessible(page, "a user's page");

    // Status messages expire.
    await page.clock.fastForward(9_000);
    await poll(() => page.getByRole("status").textContent()).toBe("");

    // Leaving the page clears its messages.
    await page.getByRole("button", { name: "Reactivate" }).click();
    await poll(() => page.getByRole("status").textContent()).toContain(`${user.username}: reactivated`);
    await page.getByRole("link", { name: "Users", exact: true }).click();
    await poll(() => page.getByRole("status").textContent()).toBe("");
    await page.goBack();
    await poll(() => page.locator("h2 .badge").textContent()).toBe("active");

    // Deleted here: the page says so, offers nothing, and stops streaming for good.
    await page.getByRole("button", { name: "Delete" }).click();
    await poll(() => page.getByRole("dialog").textContent()).toContain("cannot be undone");
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await poll(() => page.locator("#deleted-notice").textContent()).toContain("This user was deleted");
    expect(await page.locator("#live").textContent()).toBe("(ended: the user was deleted)");
    expect(await page.getByRole("group", { name: "Actions" }).getByRole("button").count()).toBe(0);
    await poll(() => streams.open.size).toBe(0);
    const opened = streams.opened;
    await page.clock.fastForward(120_000);
    await page.waitForTimeout(500);
    expect(streams.opened).toBe(opened);
    // Opened later, a deleted user's page says it is not there.
    await page.reload();
    await poll(() => page.locator("h2").textContent()).toBe("User not found");
    await page.context().close();
  });

  it("deactivates an organization only after its name is typed; announces another client's change; fits a phone", async () => {
    const page = await open(PHONE);
    const other = await newHumanWithPassword(clients, server.adminToken, orgId);
    await page.getByLabel("Login name").fill(other.username);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Login client token").fill(server.adminToken);
    await page.getByRole("button", { name: "Sign in with password" }).click();
    // The session is the user's own: without roles it sees itself only.
    await page.getByRole("link", { name: other.username }).waitFor();
    // Locked elsewhere, its session stops working: the console signs out and says why, at the top.
    expectOk(await clients.call("grpc", UserService, "lockUser", { userId: other.userId }, server.adminToken));
    await page.getByRole("link", { name: other.username }).click();
    await poll(() => page.getByRole("alert").textContent()).toContain("signed out");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await signInWithToken(page, server.adminToken);
    // Signed in again, the console goes back to the page that was asked for.
    await poll(() => page.locator("h2").first().textContent()).toContain(other.username);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
    await page.locator("tbody tr").nth(1).waitFor();
    const rows = await page.locator("tbody tr").count();
    for (const row of [1, 2].filter((r) => r < rows)) await page.locator("tbody tr").nth(row).getByRole("checkbox").check();
    await page.screenshot({ path: join(ARTIFACTS, "console-phone.png"), fullPage: true });

    const name = unique("ui-org");
    const org = await newOrgNamed(clients, server.adminToken, name);
    await page.getByRole("link", { name: "Organizations" }).click();
    await page.getByRole("button", { name: `Deactivate ${name}` }).click();
    const dialog = page.getByRole("dialog");
    const confirm = dialog.getByRole("button", { name: "Deactivate organization" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/to confirm/).fill(name.slice(0, -1));
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/to confirm/).fill(name);
    await expectAccessible(page, "the typed-name confirmation at phone width");
    await confirm.click();
    await page.getByRole("button", { name: `Reactivate ${name}` }).waitFor();
    await poll(() => page.getByRole("status").textContent()).toContain(`${name}: deactivated`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

    // Reactivation succeeds only for an organization the server holds as deactivated (else ORG-already-active):
    // the console's click reached the server, not just the page.
    expectOk(await clients.call("grpc", OrganizationServiceBeta, "activateOrganization", { id: org }, server.adminToken));
    await poll(() => page.getByRole("status").textContent()).toBe(`Changed elsewhere: ${name} was reactivated by zitadel-admin`);
    await page.getByRole("button", { name: `Deactivate ${name}` }).waitFor();
    await page.context().close();
  });

  it("shows a not-found page for an unknown route, and serves a favicon", async () => {
    const page = await signedIn(PHONE, "#/no-such-page");
    await poll(() => page.locator("h2").textContent()).toBe("Page not found");
    const icon = await page.request.get(`${server.url}/favicon.ico`);
    expect(icon.status()).toBe(200);
    expect(icon.headers()["content-type"]).toBe("image/x-icon");
    expect([...(await icon.body()).subarray(0, 4)]).toEqual([0, 0, 1, 0]);
    // The browser decodes it as a 32×32 image.
    const size = await page.evaluate(async (url) => {
      const img = new Image();
      img.src = url;
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    }, `${server.url}/favicon.ico`);
    expect(size).toEqual([32, 32]);
    await page.context().close();
  });

  it("sends a deactivation made in the console to a target made there, shows the failure, and redelivers it", async () => {
    const receiver = await startReceiver();
    try {
      const page = await signedIn(WIDE, "#/targets");
      const name = unique("ui-target");
      await page.getByLabel("Name", { exact: true }).fill(name);
      await page.getByLabel("Endpoint").fill(receiver.url("/console"));
      await page.getByLabel("Timeout (seconds)").fill("5");
      await page.getByRole("button", { name: "Create target" }).click();
      // The signing key is shown once, as the API answers it.
      await poll(() => page.locator("#signing-key").textContent()).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const signingKey = (await page.locator("#signing-key").textContent())!;

      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Executions" }).click();
      await page.getByLabel("On", { exact: true }).selectOption("group");
      await page.getByLabel("Event type or group").fill("user");
      await page.getByLabel(name).check();
      await page.getByRole("button", { name: "Set execution" }).click();
      await poll(() => page.locator("#executions tbody").textContent()).toContain(`every user.* event${name}`);

      const userId = await newHuman(clients, server.adminToken, orgId);
      await page.goto(`${server.url}/console#/users/${userId}`);
      await page.getByRole("button", { name: "Deactivate" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Deactivate" }).click();
      await poll(() => page.locator("h2 .badge").textContent()).toBe("inactive");
      // The receiver got the deactivation, signed with the key the console showed.
      await waitFor(() => receiver.events("/console").some((e) => e.aggregateID === userId && e.event_type === "user.deactivated"), 20_000, "the deactivation");
      const call = receiver.at("/console").find((r) => JSON.parse(r.body).event_type === "user.deactivated")!;
      const t = /t=(\d+)/.exec(String(call.headers["zitadel-signature"]))![1];
      expect(call.headers["zitadel-signature"]).toBe(`t=${t},v1=${createHmac("sha256", signingKey).update(`${t}.${call.body}`).digest("hex")}`);

      // The target's page lists the delivery; then the receiver fails, and the failure shows.
      await page.goto(`${server.url}/console#/targets`);
      await page.getByRole("link", { name }).click();
      const refreshUntil = async (selector: string) => poll(async () => (await page.getByRole("button", { name: "Refresh" }).click(), await page.locator(selector).count())).toBeGreaterThan(0);
      await refreshUntil("#attempts tr[data-outcome='delivered']");
      receiver.on("/console", () => 500);
      expectOk(await clients.call("grpc", UserService, "reactivateUser", { userId }, server.adminToken));
      await refreshUntil("#attempts tr[data-outcome='failed']");
      const failed = page.locator("#attempts tr[data-outcome='failed']").first();
      expect(await failed.locator("td").nth(3).textContent()).toBe("500");
      await poll(() => page.locator("#lag").textContent()).toContain("1 event not yet delivered");

      // Redeliver now (the next retry is ten minutes away): delivered, with the same webhook-id.
      receiver.on("/console", () => 200);
      const position = await failed.getAttribute("data-position");
      await failed.getByRole("button", { name: `Redeliver event ${position}` }).click();
      await poll(() => page.getByRole("status").textContent()).toContain("Redeliver: done");
      await refreshUntil(`#attempts tr[data-position='${position}'][data-outcome='delivered']`);
      const reactivations = receiver.at("/console").filter((r) => JSON.parse(r.body).event_type === "user.reactivated");
      expect(reactivations.map((r) => r.headers["webhook-id"])).toEqual([reactivations[0].headers["webhook-id"], reactivations[0].headers["webhook-id"]]);
      await page.screenshot({ path: join(ARTIFACTS, "console-target.png"), fullPage: true });
      await expectAccessible(page, "a target's delivery log");

      // Edited, its execution removed, then deleted — each asked first where it cannot be undone.
      await page.getByLabel("Timeout (seconds)").fill("7");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await poll(() => page.getByRole("status").textContent()).toContain("Save target: done");
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Executions" }).click();
      await page.getByRole("button", { name: "Remove the execution on every user.* event" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Remove execution" }).click();
      await poll(() => page.locator("#executions tbody").textContent()).not.toContain(name);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Targets" }).click();
      await poll(() => page.locator("#targets tbody").textContent()).toContain("7 s");
      await page.getByRole("button", { name: `Delete ${name}` }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Delete target" }).click();
      await poll(() => page.getByRole("status").textContent()).toContain(`Target ${name} deleted`);
      expect(await page.locator("#targets tbody").textContent()).not.toContain(name);
      await page.context().close();

      // A principal without the instance permission sees a clear refusal, not a broken page.
      const bot = await newMachine(clients, server.adminToken, orgId);
      const other = await open(WIDE, "#/targets");
      await signInWithToken(other, bot.token);
      await poll(() => other.locator("#not-allowed").textContent()).toContain("Not allowed");
      await other.context().close();
    } finally {
      await receiver.close();
    }
  });
});

async function newOrgNamed(clients: Clients, token: string, name: string): Promise<string> {
  const { OrganizationService } = await import("../../gen/zitadel/org/v2/org_service_pb.js");
  return expectOk(await clients.call("connect-json", OrganizationService, "addOrganization", { name }, token)).organizationId;
}
