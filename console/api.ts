import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { EventService } from "../gen/lifecycle/event/v1/event_service_pb.js";
import { ErrorDetailSchema } from "../gen/zitadel/message_pb.js";
import { OrganizationService } from "../gen/zitadel/org/v2/org_service_pb.js";
import { OrganizationService as OrganizationServiceBeta } from "../gen/zitadel/org/v2beta/org_service_pb.js";
import { SessionService } from "../gen/zitadel/session/v2/session_service_pb.js";
import { UserService } from "../gen/zitadel/user/v2/user_service_pb.js";

const TOKEN_KEY = "console.token";

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value: string | null) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

const bearer: Interceptor = (next) => (req) => {
  if (session.token && !req.header.has("authorization")) req.header.set("authorization", `Bearer ${session.token}`);
  return next(req);
};

// The API is this page's origin unless `?api=https://…` names another (it must allow this origin: CORS_ALLOWED_ORIGINS).
const baseUrl = new URLSearchParams(location.search).get("api") ?? location.origin;
const transport = createGrpcWebTransport({ baseUrl, interceptors: [bearer] });

export const users = createClient(UserService, transport);
export const orgs = createClient(OrganizationService, transport);
export const orgsBeta = createClient(OrganizationServiceBeta, transport);
export const sessions = createClient(SessionService, transport);
export const events = createClient(EventService, transport);

/** "PermissionDenied: No permission … (AUTH-permission-denied)", with the reason id apart for display. */
export function describeError(error: unknown): { code: string; message: string; reason?: string } {
  const e = ConnectError.from(error);
  return { code: Code[e.code] ?? String(e.code), message: e.rawMessage, reason: e.findDetails(ErrorDetailSchema)[0]?.id };
}

export function isUnauthenticated(error: unknown): boolean {
  return ConnectError.from(error).code === Code.Unauthenticated;
}

export const formatDate = (ts: Timestamp | undefined) => (ts ? timestampDate(ts).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "–");
