import { Code } from "@connectrpc/connect";
import type { Event } from "../gen/lifecycle/event/v1/event_service_pb.js";
import type { User } from "../gen/zitadel/user/v2/user_pb.js";
import { describeError, formatDate, hasCode, users } from "./api.js";
import { describeChange, isAnnounced } from "./changes.js";
import { confirmAction } from "./confirm.js";
import { badge, h, mount } from "./dom.js";
import { detailsLine, showError, showStatus } from "./feedback.js";
import { type LiveEvent, watchEvents } from "./live.js";
import { creatorName, nameOf, orgName } from "./names.js";
import { madeElsewhere, ownAction } from "./own-changes.js";
import { USER_ACTIONS, type UserAction, userStateName } from "./user-actions.js";
import { scheduleNotice } from "./user-schedule.js";

/** One user: state, details, the lifecycle actions, and its event history as it happens. */
export async function userView(main: HTMLElement, userId: string, signal: AbortSignal): Promise<void> {
  let user: User;
  try {
    user = (await users.getUserByID({ userId })).user!;
  } catch (error) {
    if (!hasCode(error, Code.NotFound)) throw error;
    return notFoundUser(main, userId);
  }
  const header = h("div");
  const actions = h("div", { class: "row", role: "group", "aria-label": "Actions" });
  const result = h("p", { id: "action-result" });
  const history = h("ol", { class: "events", "aria-label": "Event history", id: "history" });
  const live = h("span", { class: "muted", id: "live" }, "(connecting…)");
  mount(main, header, actions, result, h("h3", {}, "Event history ", live), history);
  let deleted = false;

  // A pending scheduled deactivation, filled in when it arrives (and again after each change).
  const schedule = h("div");
  const render = () => {
    const state = userStateName(user.state);
    void scheduleNotice(userId).then((notice) => mount(schedule, ...(notice ? [notice] : [])));
    mount(
      header,
      h("h2", {}, user.username, " ", badge(state)),
      h(
        "p",
        { class: "details" },
        `id ${user.userId} · organization `,
        nameOf(user.details?.resourceOwner ?? "", orgName, { "data-testid": "org-name" }),
        ` · sequence ${user.details?.sequence} · changed ${formatDate(user.details?.changeDate)}`,
      ),
      schedule,
    );
    mount(actions, ...USER_ACTIONS.filter((a) => a.when.includes(state)).map((a) => h("button", { class: a.danger ? "danger" : a.confirm ? "" : "secondary", onclick: () => void act(a) }, a.label)));
  };
  const refresh = async () => {
    try {
      user = (await users.getUserByID({ userId })).user!;
      render();
    } catch (error) {
      if (!hasCode(error, Code.NotFound)) throw error;
      showDeleted();
    }
  };
  const showDeleted = (event?: LiveEvent) => {
    if (deleted) return;
    deleted = true;
    stopWatching();
    mount(header, h("h2", {}, user.username, " ", badge("deleted")));
    const when = event ? [` on ${formatDate(event.creationDate)} by `, nameOf(event.creator, creatorName)] : [];
    mount(actions, h("p", { class: "notice", id: "deleted-notice" }, "This user was deleted", ...when, ". Nothing more can happen to it. ", h("a", { href: "#/users" }, "Back to users")));
    live.textContent = "(ended: the user was deleted)";
  };
  const act = async (action: UserAction) => {
    if (action.confirm) {
      const ok = await confirmAction({ title: `${action.label} ${user.username}?`, body: [h("p", {}, action.confirm)], confirmLabel: action.label });
      if (!ok) return;
    }
    try {
      const res = await ownAction(userId, () => action.run(userId));
      mount(result, detailsLine(`${action.label}: done`, res.details));
      showStatus(`${user.username}: ${action.done}`);
    } catch (error) {
      mount(result);
      showError(describeError(error), action.label);
    }
    await refresh().catch((error) => showError(error));
  };

  render();
  const stopWatching = watchEvents(
    { aggregateType: "user", aggregateId: user.userId, resourceOwner: user.details?.resourceOwner ?? "" },
    {
      signal,
      onState: (state) => {
        if (deleted) return;
        live.textContent = state.kind === "live" ? "(live)" : state.kind === "reconnecting" ? `(reconnecting: ${state.why})` : `(live updates ended: ${describeError(state.error).reason ?? describeError(state.error).code})`;
      },
      onEvent: async (event) => {
        history.prepend(eventItem(event));
        if (event.sequence <= (user.details?.sequence ?? 0n)) return;
        if (madeElsewhere(event) && isAnnounced(event)) showStatus(await describeChange(event, user.username));
        if (event.type === "user.removed") return showDeleted(event);
        await refresh();
      },
    },
  );
}

function notFoundUser(main: HTMLElement, userId: string) {
  mount(
    main,
    h("h2", {}, "User not found"),
    h("p", { class: "notice", id: "deleted-notice" }, `There is no user with id ${userId}: it was deleted, or it never existed, or you may not see it.`),
    h("p", {}, h("a", { href: "#/users" }, "Back to users")),
  );
}

function eventItem(event: LiveEvent): HTMLElement {
  return h(
    "li",
    { "data-type": event.type },
    h("strong", {}, event.type),
    ` · sequence ${event.sequence} · position ${event.position} · ${formatDate(event.creationDate)} · by `,
    nameOf(event.creator, creatorName, { class: "creator" }),
    h("code", {}, JSON.stringify(event.payload ?? {})),
  );
}
