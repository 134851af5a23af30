import { type HandlerContext, createContextKey } from "@connectrpc/connect";
import type { Access } from "../commands/access.js";
import type { Principal } from "../commands/permissions.js";
import type { CommandContext } from "../eventstore/event-store.js";

export const kAccess = createContextKey<Access | undefined>(undefined, { description: "authenticated caller and the method's permission" });

/** The caller and what the method needs; the auth interceptor refuses every call without one before a handler runs. */
export function accessOf(ctx: HandlerContext): Access {
  const access = ctx.values.get(kAccess);
  if (!access) throw new Error("handler reached without an authenticated caller");
  return access;
}

export function principalOf(ctx: HandlerContext): Principal {
  return accessOf(ctx).principal;
}

export function commandContext(ctx: HandlerContext): CommandContext {
  return { creator: principalOf(ctx).userId };
}
