import { Health } from "../gen/grpc/health/v1/health_pb.js";
import type { ApiClient } from "./clients.js";
import { measure, type PassResult } from "./stats.js";

/**
 * The transport ceiling: grpc.health.v1.Health/Check on the same server and port. It is public (no
 * token lookup) and does one `select 1` on the pool, so it costs one database round trip where a
 * command costs about seven; everything else it shares with a command (HTTP/2 or HTTP/1.1 framing,
 * the Connect router, interceptors, protobuf or JSON encoding).
 */
export function runNoop(client: ApiClient, count: number, concurrency: number): Promise<PassResult> {
  const items = Array.from({ length: count }, (_, i) => i);
  return measure(items, { concurrency }, async (_i, time) => {
    await time(async () => {
      const res = await client.call(Health, "check", { service: "" });
      if (res.status !== 1) throw new Error(`health status ${res.status}`);
    });
  });
}
