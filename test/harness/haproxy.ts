import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { freePort, pollUntil } from "../faults/server-process.js";

const BINARY = "/usr/sbin/haproxy";

/** Debian's haproxy is installed (`.ci/run` installs it); CI fails rather than skip without it. */
export function haveHaproxy(): boolean {
  if (existsSync(BINARY)) return true;
  if (process.env.CI === "true") throw new Error("haproxy is not installed (apt-get install haproxy)");
  console.warn("[haproxy] not installed: skipping the tests through it");
  return false;
}

export interface Haproxy {
  url: string;
  stop(): Promise<void>;
}

/** `deploy/haproxy.cfg` itself, in front of three instances at `ports` on this host. */
export async function startHaproxy(ports: [number, number, number], checkInterval = "200ms"): Promise<Haproxy> {
  const port = await freePort();
  const child: ChildProcess = spawn(BINARY, ["-db", "-f", "deploy/haproxy.cfg"], {
    env: { ...process.env, LISTEN: `127.0.0.1:${port}`, APP1: `127.0.0.1:${ports[0]}`, APP2: `127.0.0.1:${ports[1]}`, APP3: `127.0.0.1:${ports[2]}`, CHECK_INTERVAL: checkInterval },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const up = await pollUntil(() => fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status === 200, () => false), 30_000, 100);
  if (!up) {
    child.kill("SIGKILL");
    throw new Error(`haproxy did not come up: ${stderr}`);
  }
  return {
    url,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
