import type { Event } from "../gen/zitadel/event/v1/event_service_pb.js";
import type { User } from "../gen/zitadel/user/v2/user_pb.js";
import { describeError, events, formatDate, users } from "./api.js";
import { announce, badge, h, mount } from "./dom.js";
import { announceError, detailsLine } from "./feedback.js";
import { userStateName } from "./users.js";
import { scheduleNotice } from "./user-schedule.js";

type Action = { label: string; when: string[]; run: (userId: string) => Promise<{ details?: User["details"] }>; danger?: boolean; confirm?: string };

// Which actions the lifecycle rules allow from each state (the server decides; this only hides the impossible).
const ACTIONS: Action[] = [
  { label: "Lock", when: ["active", "initial"], run: (userId) => users.lockUser({ userId }) },
  { label: "Unlock", when: ["locked"], run: (userId) => users.unlockUser({ userId }) },
  { label: "Deactivate", when: ["active", "locked"], run: (userId) => users.deactivateUser({ userId }) },
  { label: "Reactivate", when: ["inactive"], run: (userId) => users.reactivateUser({ userId }) },
  { label: "Delete", when: ["active", "inactive", "locked", "initial"], run: (userId) => users.deleteUser({ userId }), danger: true, confirm: "Delete this user? This cannot be undone." },
];

/** One user: state, details, the lifecycle actions, and its event history as it happens. */
export async function userView(main: HTMLElement, userId: string, signal: AbortSignal): Promise<void> {
  const header = h("div");
  const actions = h("div", { class: "row", role: "group", "aria-label": "Actions" });
  const result = h("p", { "aria-live": "polite", id: "action-result" });
  const history = h("ol", { class: "events", "aria-label": "Event history", id: "history" });
  mount(main, header, actions, result, h("h3", {}, "Event history ", h("span", { class: "muted", id: "live" }, "(connecting…)")), history);

  let user: User;
  const refresh = async () => {
    user = (await users.getUserByID({ userId })).user!;
    const state = userStateName(user.state);
    mount(
      header,
      h("h2", {}, user.username, " ", badge(state)),
      h("p", { class: "details" }, `id ${user.userId} · organization ${user.details?.resourceOwner} · sequence ${user.details?.sequence} · changed ${formatDate(user.details?.changeDate)}`),
      await scheduleNotice(userId),
    );
    mount(
      actions,
      ...ACTIONS.filter((a) => a.when.includes(state)).map((a) =>
        h("button", { class: a.danger ? "danger" : "", onclick: () => void act(a) }, a.label),
      ),
    );
  };
  const act = async (action: Action) => {
    if (action.confirm && !confirm(action.confirm)) return;
    try {
      const res = await action.run(userId);
      mount(result, detailsLine(`${action.label}: done`, res.details));
      announce(`${user.username}: ${action.label.toLowerCase()} done`);
    } catch (error) {
      const e = describeError(error);
      mount(result, h("span", { class: "error" }, `${action.label} failed: ${e.code}: ${e.message}`, e.reason ? ` [${e.reason}]` : ""));
      announceError(e);
    }
    await refresh().catch((error) => announceError(describeError(error)));
  };
  await refresh();
  void watch(user!, history, signal, refresh);
}

/** Streams the user's events (backlog, then live); a change by another client refreshes the page. */
async function watch(user: User, history: HTMLElement, signal: AbortSignal, refresh: () => Promise<void>) {
  const live = document.getElementById("live")!;
  let last = 0n;
  const filter = { aggregateType: "user", aggregateId: user.userId, resourceOwner: user.details?.resourceOwner ?? "" };
  while (!signal.aborted) {
    try {
      for await (const res of events.watchEvents({ filter, fromPosition: last }, { signal })) {
        live.textContent = "(live)";
        if (res.kind.case !== "event") continue;
        const event = res.kind.value;
        last = event.position;
        history.prepend(eventItem(event));
        if (Number(event.sequence) > Number(user.details?.sequence ?? 0)) await refresh();
      }
    } catch (error) {
      if (signal.aborted) return;
      const e = describeError(error);
      live.textContent = `(reconnecting: ${e.reason ?? e.code})`;
      // Resume from the last event received after a short pause; ResourceExhausted lands here too.
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function eventItem(event: Event): HTMLElement {
  return h(
    "li",
    { "data-type": event.type },
    h("strong", {}, event.type),
    ` · sequence ${event.sequence} · position ${event.position} · ${formatDate(event.creationDate)} · by ${event.creator}`,
    h("code", {}, JSON.stringify(event.payload ?? {})),
  );
}
