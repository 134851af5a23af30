import type { ServiceImpl } from "@connectrpc/connect";
import { type Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";

/** grpc.health.v1: SERVING while the database answers; Watch is not offered (Unimplemented). */
export function healthService(isReady: () => Promise<boolean>): Partial<ServiceImpl<typeof Health>> {
  return {
    async check() {
      const ready = await isReady();
      return { status: ready ? HealthCheckResponse_ServingStatus.SERVING : HealthCheckResponse_ServingStatus.NOT_SERVING };
    },
  };
}
