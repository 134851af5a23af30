import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { LifecyclePolicyService } from "../gen/lifecycle/policy/v1/lifecycle_policy_service_pb.js";
import { session } from "./api.js";

// Its own client on the same API and token as api.ts, so the lifecycle views stay apart from the rest.
const bearer: Interceptor = (next) => (req) => {
  if (session.token && !req.header.has("authorization")) req.header.set("authorization", `Bearer ${session.token}`);
  return next(req);
};
const baseUrl = new URLSearchParams(location.search).get("api") ?? location.origin;

export const lifecycle = createClient(LifecyclePolicyService, createGrpcWebTransport({ baseUrl, interceptors: [bearer] }));
