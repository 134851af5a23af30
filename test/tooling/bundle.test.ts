import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../harness/databases.js";
import { startServerProcess, type ServerProcess } from "../faults/server-process.js";

const read = (file: string) => readFileSync(new URL(`../../openapi/${file}`, import.meta.url), "utf8");

// `npm start` runs the esbuild bundle from dist/: the documents must not depend on files next to the sources.
describe("the OpenAPI documents from the bundled server (npm start)", () => {
  let server: ServerProcess;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  beforeAll(async () => {
    scratch = process.env.DATABASE_URL ? await createScratchDatabase() : undefined;
    server = await startServerProcess({ DATABASE_URL: scratch?.url ?? "", LOG_LEVEL: "warn" });
  });
  afterAll(async () => {
    await server?.stop();
    await scratch?.drop();
  });

  it("serves GET /openapi.json and GET /v1/openapi.json as committed", async () => {
    const whole = await fetch(`${server.url}/openapi.json`);
    expect(whole.status).toBe(200);
    expect(await whole.text()).toBe(read("openapi.json"));
    const v1 = await fetch(`${server.url}/v1/openapi.json`);
    expect(v1.status, server.log()).toBe(200);
    expect(JSON.parse(await v1.text())).toEqual(JSON.parse(read("v1-users.json")));
  });
});
