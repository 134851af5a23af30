import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { build } from "esbuild";

/** The real server (the `src/main.ts` bundle) as a child process, as an operator runs it. */
export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the server wrote to stderr (JSON log lines). */
  log(): string;
  /** Parsed JSON log lines. */
  lines(): Array<Record<string, unknown>>;
  /** Undefined while running; otherwise how it ended. */
  ended(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Polls /readyz until 200 (or the process ends, or `timeoutMs` passes). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Polls `check` every `everyMs` until it returns true; false after `timeoutMs`. */
export async function pollUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** GET /readyz (readiness) with a client-side timeout; 0 when there was no answer. */
export async function healthStatus(url: string, timeoutMs = 15_000): Promise<number> {
  return fetch(`${url}/readyz`, { signal: AbortSignal.timeout(timeoutMs) }).then(
    (r) => r.status,
    () => 0,
  );
}

let bundled: Promise<string> | undefined;

/**
 * `src/main.ts` bundled as `npm run build` does (a plain `node` start is seconds faster than the tsx loader on
 * a busy machine), to its own file, moved into place atomically so parallel test files never see half of it.
 */
function bundle(): Promise<string> {
  bundled ??= (async () => {
    const outfile = "dist/faults-server.js";
    const result = await build({ entryPoints: ["src/main.ts"], bundle: true, platform: "node", format: "esm", packages: "external", outfile, write: false, logLevel: "silent" });
    const aside = `${outfile}.${process.pid}`;
    mkdirSync("dist", { recursive: true });
    writeFileSync(aside, result.outputFiles[0].contents);
    renameSync(aside, outfile);
    return outfile;
  })();
  return bundled;
}

export async function startServerProcess(env: Record<string, string>, options: { waitHealthy?: boolean; port?: number } = {}): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [await bundle()], {
    // One worker unless a test asks for more: the fault tests count one process's calls and log lines.
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: ":memory:", DATABASE_URL: "", LOG_LEVEL: "info", WORKERS: "1", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let end: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve((end = { code, signal }))),
  );
  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    url,
    port,
    child,
    log: () => stderr,
    lines: () =>
      stderr
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    ended: () => end,
    exited,
    async waitHealthy(timeoutMs = 90_000) {
      const ok = await pollUntil(async () => end !== undefined || (await healthStatus(url, 5_000)) === 200, timeoutMs, 200);
      if (!ok || end) throw new Error(`server not healthy (${end ? `exited ${end.code ?? end.signal}` : "timeout"}):\n${stderr.slice(-3000)}`);
    },
    async stop() {
      if (end) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  if (options.waitHealthy !== false) {
    try {
      await server.waitHealthy();
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
  }
  return server;
}
