import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, pollUntil } from "../faults/server-process.js";
import net from "node:net";

const BINARY = "/usr/sbin/pgbouncer";

/** Debian's pgbouncer is installed (`.ci/run` installs it); CI fails rather than skip without it. */
export function havePgbouncer(): boolean {
  if (existsSync(BINARY)) return true;
  if (process.env.CI === "true") throw new Error("pgbouncer is not installed (apt-get install pgbouncer)");
  console.warn("[pgbouncer] not installed: skipping the tests through it");
  return false;
}

export interface Pgbouncer {
  /** `databaseUrl` with host and port pointing at PgBouncer. */
  url: string;
  stop(): Promise<void>;
}

/**
 * PgBouncer in transaction pooling mode in front of the PostgreSQL of `databaseUrl`, with few server
 * connections per database so that consecutive transactions of one client really land on different
 * server sessions. It refuses to run as root, so it runs as the postgres user.
 */
export async function startPgbouncer(databaseUrl: string, options: { poolSize?: number } = {}): Promise<Pgbouncer> {
  const target = new URL(databaseUrl);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "zl-pgbouncer-"));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, "users.txt"), `"${target.username || "postgres"}" ""\n`);
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${target.hostname} port=${target.port || 5432}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${join(dir, "users.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${options.poolSize ?? 4}`,
      "max_client_conn = 500",
      "server_reset_query =",
      "server_check_delay = 0",
      "query_wait_timeout = 20",
      "",
    ].join("\n"),
  );
  const asRoot = process.getuid?.() === 0;
  const args = [...(asRoot ? ["-u", "postgres"] : []), join(dir, "pgbouncer.ini")];
  const child: ChildProcess = spawn(BINARY, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const up = await pollUntil(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => (socket.destroy(), resolve(true)));
        socket.on("error", () => resolve(false));
      }),
    10_000,
    50,
  );
  if (!up) {
    child.kill("SIGKILL");
    throw new Error(`pgbouncer did not start: ${stderr}`);
  }
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return {
    url: url.toString(),
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

