import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { EventService } from "../gen/lifecycle/event/v1/event_service_pb.js";
import { ErrorDetailSchema } from "../gen/zitadel/message_pb.js";
import { ManagementService } from "../gen/zitadel/management/v1/management_pb.js";
import { OrganizationService } from "../gen/zitadel/org/v2/org_service_pb.js";
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

/** Fired when the signed-in token stops working (deactivated, locked, expired): the console signs out. */
export const SIGNED_OUT = "console:signed-out";

const bearer: Interceptor = (next) => async (req) => {
  const own = !!session.token && !req.header.has("authorization");
  if (own) req.header.set("authorization", `Bearer ${session.token}`);
  try {
    return await next(req);
  } catch (error) {
    if (own && ConnectError.from(error).code === Code.Unauthenticated) window.dispatchEvent(new CustomEvent(SIGNED_OUT, { detail: error }));
    throw error;
  }
};

// The API is this page's origin unless `?api=https://…` names another (it must allow this origin: CORS_ALLOWED_ORIGINS).
const baseUrl = new URLSearchParams(location.search).get("api") ?? location.origin;
export const transport = createGrpcWebTransport({ baseUrl, interceptors: [bearer] });

export const users = createClient(UserService, transport);
export const orgs = createClient(OrganizationService, transport);
/** Management v1 acts on the organization named by `x-zitadel-orgid` and answers with details (a sequence). */
export const management = createClient(ManagementService, transport);
export const inOrg = (orgId: string) => ({ headers: { "x-zitadel-orgid": orgId } });
export const sessions = createClient(SessionService, transport);

export interface ShownError {
  code: string;
  /** The server's text without the reason id it ends with: the id is shown once, apart. */
  message: string;
  reason?: string;
}

/** "PermissionDenied: No permission …" with the reason id (`AUTH-permission-denied`) apart. */
export function describeError(error: unknown): ShownError {
  const e = ConnectError.from(error);
  const reason = e.findDetails(ErrorDetailSchema)[0]?.id;
  const suffix = reason ? ` (${reason})` : undefined;
  const message = suffix && e.rawMessage.endsWith(suffix) ? e.rawMessage.slice(0, -suffix.length) : e.rawMessage;
  return { code: Code[e.code] ?? String(e.code), message, reason };
}

export const hasCode = (error: unknown, ...codes: Code[]) => codes.includes(ConnectError.from(error).code);

export const formatDate = (ts: Timestamp | undefined) => (ts ? timestampDate(ts).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "–");
