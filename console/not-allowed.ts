import { Code } from "@connectrpc/connect";
import { describeError, hasCode } from "./api.js";
import { h, mount } from "./dom.js";
import { errorLine } from "./feedback.js";

/**
 * A page the principal may not see says so plainly, with the server's reason, instead of failing as a
 * whole: actions and deliveries belong to the instance, and only its administrators read them.
 */
export function showNotAllowed(main: HTMLElement, title: string, error: unknown): boolean {
  if (!hasCode(error, Code.PermissionDenied)) return false;
  mount(
    main,
    h("h2", {}, title),
    h("p", { id: "not-allowed" }, "Not allowed: this page needs an instance-wide permission (an instance administrator's role) that your user does not have."),
    errorLine(describeError(error)),
  );
  return true;
}
