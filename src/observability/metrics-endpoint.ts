import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Metrics } from "./metrics.js";
import type { Req, Res } from "./probes.js";


/** GET /metrics in Prometheus' text format; false for any other request. */
export function metricsEndpoint(req: Req, res: Res, metrics: Metrics): boolean {
  if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") return false;
  metrics.text().then(
    (text) => {
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(text);
    },
    (error: unknown) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`metrics failed: ${String(error)}`);
    },
  );
  return true;
}

/** METRICS_PORT: /metrics alone on its own port, e.g. reachable only inside the cluster. */
export async function startMetricsServer(port: number, host: string, metrics: Metrics): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (metricsEndpoint(req, res, metrics)) return;
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
