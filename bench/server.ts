import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export interface ServerProcess {
  url: string;
  pid: number;
  adminToken: string;
  /** Why the server is gone, with the end of its stderr; undefined while it runs. */
  exited(): string | undefined;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** PostgreSQL; without it the server runs on an in-memory PGlite inside its own process. */
  databaseUrl?: string;
  /** Write a V8 CPU profile of the server here when it stops. */
  cpuProfileDir?: string;
  /** A second instance on a database another one set up: that one's admin token. */
  adminToken?: string;
  /** More environment (WORKERS, DB_POOL_MODE, …). */
  env?: Record<string, string>;
  /** A fixed port (a load balancer's configuration names it); default: a free one. */
  port?: number;
}

/** The node flags of package.json's "start" (`node <flags> dist/main.js`): the bench starts the server the same way. */
export function startFlags(): string[] {
  const start: string = JSON.parse(readFileSync(`${root}/package.json`, "utf8")).scripts.start;
  const words = start.split(/\s+/);
  if (words[0] !== "node" || words.at(-1) !== "dist/main.js") throw new Error(`package.json start is not "node <flags> dist/main.js": ${start}`);
  return words.slice(1, -1);
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log()}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server not ready after 60 s:\n${log()}`);
}

/**
 * Starts the real server as `npm start` runs it (the esbuild bundle `dist/main.js`, the same node flags) in a child process, so its memory is its own to measure and
 * its CPU is not shared with the load generator's event loop. The admin token is ours (ADMIN_TOKEN).
 */
export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const adminToken = options.adminToken ?? `bench-${randomBytes(16).toString("hex")}`;
  const profile = options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "ignore" });
  const child = spawn(process.execPath, [...startFlags(), ...profile, "dist/main.js"], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      ADMIN_TOKEN: adminToken,
      DATABASE_URL: options.databaseUrl ?? "",
      DATA_DIR: ":memory:",
      LOG_LEVEL: "error",
      // One process, whose CPU the bench reads from /proc/<pid>: a cluster's workers would go uncounted.
      // bench/scale.ts sets WORKERS itself.
      WORKERS: "1",
      ...options.env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, () => stderr);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    url,
    pid: child.pid as number,
    adminToken,
    exited: () => (child.exitCode === null && child.signalCode === null ? undefined : `server exited (${child.exitCode ?? child.signalCode}):\n${stderr}`),
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timeout = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
