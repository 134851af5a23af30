import type { User } from "../gen/zitadel/user/v2/user_pb.js";
import { describeError } from "./api.js";
import { confirmAction } from "./confirm.js";
import { h } from "./dom.js";
import { showErrors, showStatus } from "./feedback.js";
import { ownAction } from "./own-changes.js";
import { BULK_ACTIONS, type UserAction, userStateName } from "./user-actions.js";

/**
 * The bulk actions for the selected users: each offered only when it applies to at least one of them, and
 * applied only to those (the count says how many); the others are named as skipped before confirming.
 */
export function bulkBar(picked: User[], done: () => Promise<void>): HTMLElement[] {
  if (picked.length === 0) return [h("span", { class: "muted" }, "Select users for bulk actions")];
  const buttons = BULK_ACTIONS.flatMap((action) => {
    const applies = picked.filter((u) => action.when.includes(userStateName(u.state)));
    if (applies.length === 0) return [];
    const skipped = picked.filter((u) => !applies.includes(u));
    const label = `${action.label} ${applies.length} ${applies.length === 1 ? "user" : "users"}`;
    return [h("button", { class: action.confirm ? "danger" : "", onclick: () => void runBulk(action, applies, skipped, done) }, label)];
  });
  return [h("span", {}, `${picked.length} selected`), ...buttons];
}

async function runBulk(action: UserAction, applies: User[], skipped: User[], done: () => Promise<void>) {
  if (action.confirm) {
    const names = (list: User[]) => h("ul", {}, ...list.map((u) => h("li", {}, `${u.username} (${userStateName(u.state)})`)));
    const ok = await confirmAction({
      title: `${action.label} ${applies.length} ${applies.length === 1 ? "user" : "users"}?`,
      body: [h("p", {}, action.confirm), names(applies), skipped.length > 0 && h("p", {}, `Skipped, since it does not apply to them: ${skipped.map((u) => u.username).join(", ")}`)],
      confirmLabel: action.label,
    });
    if (!ok) return;
  }
  const failures: { what: string; error: ReturnType<typeof describeError> }[] = [];
  for (const user of applies) {
    try {
      await ownAction(user.userId, () => action.run(user.userId));
    } catch (error) {
      failures.push({ what: `${action.label} ${user.username}`, error: describeError(error) });
    }
  }
  const succeeded = applies.length - failures.length;
  if (succeeded > 0) showStatus(`${action.label}: ${succeeded} ${succeeded === 1 ? "user" : "users"} ${action.done}`);
  if (failures.length > 0) showErrors(failures);
  await done();
}
