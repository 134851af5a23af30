import { type HandlerContext, createContextKey } from "@connectrpc/connect";
import type { CommandContext } from "../eventstore/event-store.js";
import type { Principal } from "./auth/permissions.js";

export const kPrincipal = createContextKey<Principal | undefined>(undefined, { description: "authenticated caller" });

/** The organization a management v1 call acts on: `x-zitadel-orgid`, else the caller's own. */
export const kOrgContext = createContextKey<string>("", { description: "organization context" });

export function principalOf(ctx: HandlerContext): Principal {
  const principal = ctx.values.get(kPrincipal);
  // The auth interceptor refuses every call without one before a handler runs.
  if (!principal) throw new Error("handler reached without a principal");
  return principal;
}

export function orgContextOf(ctx: HandlerContext): string {
  return ctx.values.get(kOrgContext);
}

export function commandContext(ctx: HandlerContext): CommandContext {
  return { creator: principalOf(ctx).userId };
}
