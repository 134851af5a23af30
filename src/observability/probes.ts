// Structural, so HTTP/1.1, HTTP/2 and connect-node's request types all fit.
export interface Req {
  method?: string;
  url?: string;
}
export interface Res {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body: string): unknown;
}

function answer(res: Res, ok: boolean, status: string): void {
  res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
  res.end(JSON.stringify({ status }));
}

/**
 * `/healthz` is liveness: the process is up and its event loop answers, from the first moment (also while it
 * waits for the database) until shutdown begins. Restarting the process would not bring a database back, so
 * the database is only readiness (`/readyz`). Returns false for any other request.
 */
export function livenessProbe(req: Req, res: Res, shuttingDown: AbortSignal): boolean {
  if (req.method !== "GET" || req.url !== "/healthz") return false;
  answer(res, !shuttingDown.aborted, shuttingDown.aborted ? "SHUTTING_DOWN" : "ALIVE");
  return true;
}

/** `/readyz`: migrations done and the database answering within HEALTH_CHECK_TIMEOUT. */
export function readinessProbe(req: Req, res: Res, isReady: () => Promise<boolean>): boolean {
  if (req.method !== "GET" || req.url !== "/readyz") return false;
  void isReady().then((ok) => answer(res, ok, ok ? "SERVING" : "NOT_SERVING"));
  return true;
}
