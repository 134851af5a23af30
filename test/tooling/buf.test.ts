import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const buf = join(root, "node_modules/.bin/buf");
const run = promisify(execFile);

/** Runs buf in a copy of the proto tree, after `edit`; resolves to exit code and output. */
async function bufIn(dir: string, args: string[]) {
  try {
    await run(buf, args, { cwd: dir, timeout: 60_000 });
    return { code: 0, output: "" };
  } catch (e: any) {
    return { code: e.code as number, output: `${e.stdout}${e.stderr}` };
  }
}

const dirs: string[] = [];
function copyOfContract(edit?: (file: string) => void, file = "zitadel/user/v2/user_service.proto"): string {
  const dir = mkdtempSync(join(tmpdir(), "buf-"));
  dirs.push(dir);
  for (const entry of ["proto", "buf.yaml", "proto-baseline.binpb"]) cpSync(join(root, entry), join(dir, entry), { recursive: true });
  edit?.(join(dir, "proto", file));
  return dir;
}
const replaceIn = (from: string, to: string) => (file: string) => {
  const text = readFileSync(file, "utf8");
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
};

afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// What .ci/run runs, shown to pass on the tree and to fail on a bad change (so the CI step can fail).
describe("buf lint and buf breaking, offline, as .ci/run runs them", () => {
  it("pass on the committed protos", async () => {
    const dir = copyOfContract();
    expect(await bufIn(dir, ["lint"])).toEqual({ code: 0, output: "" });
    expect(await bufIn(dir, ["breaking", "--against", "proto-baseline.binpb"])).toEqual({ code: 0, output: "" });
  });

  it("lint refuses a new name that breaks the style (the exceptions are per rule and file, not global)", async () => {
    // ENUM_VALUE_UPPER_SNAKE_CASE is excepted in user_service.proto only, so the same mistake elsewhere fails
    const dir = copyOfContract(replaceIn("ORGANIZATION_STATE_REMOVED = 3;", "ORGANIZATION_STATE_REMOVED = 3;\n  ORGANIZATION_STATE_Frozen = 9;"), "zitadel/org/v2/org.proto");
    const result = await bufIn(dir, ["lint"]);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("ORGANIZATION_STATE_Frozen");
    const other = copyOfContract((file) => writeFileSync(file, readFileSync(file, "utf8") + "\nmessage bad_name {}\n"));
    expect((await bufIn(other, ["lint"])).output).toContain("bad_name");
  });

  it("breaking refuses a renamed enum value (its JSON name is on the wire)", async () => {
    const dir = copyOfContract(replaceIn("NOTIFICATION_TYPE_Email = 1;", "NOTIFICATION_TYPE_EMAIL = 1;"));
    const result = await bufIn(dir, ["breaking", "--against", "proto-baseline.binpb"]);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("changed name");
  });
});
