import type { Organization } from "../gen/zitadel/org/v2/org_pb.js";
import { orgs, users } from "./api.js";
import { h } from "./dom.js";

let organizationList: Promise<Organization[]> | undefined;
const userNames = new Map<string, Promise<string>>();

/** The organizations the signed-in principal may read, by name; none when it may read none. */
export function organizations(fresh = false): Promise<Organization[]> {
  if (fresh || !organizationList) {
    organizationList = orgs
      .listOrganizations({ query: { limit: 1000, asc: true } })
      .then((res) => [...res.result].sort((a, b) => a.name.localeCompare(b.name)))
      .catch(() => []);
  }
  return organizationList;
}

export async function orgName(id: string): Promise<string> {
  const known = (await organizations()).find((o) => o.id === id) ?? (await organizations(true)).find((o) => o.id === id);
  return known?.name ?? id;
}

/** A user's username, or its id when it cannot be read (gone, or not visible to this principal). */
export function userName(id: string): Promise<string> {
  let name = userNames.get(id);
  if (!name) {
    name = users.getUserByID({ userId: id }).then((res) => res.user?.username ?? id, () => id);
    userNames.set(id, name);
  }
  return name;
}

/** Who wrote an event: a user by name, or a system job ("system:lockout-sweeper") as it is. */
export const creatorName = (creator: string) => (/^\d+$/.test(creator) ? userName(creator) : Promise.resolve(creator));

/** A name that fills in when it is known; the id stays in the title. */
export function nameOf(id: string, lookup: (id: string) => Promise<string>, attrs: Record<string, string> = {}): HTMLElement {
  const el = h("span", { title: id, ...attrs }, "…");
  void lookup(id).then((name) => (el.textContent = name));
  return el;
}

/** Forgets what one principal could see when another signs in. */
export function forgetNames(): void {
  organizationList = undefined;
  userNames.clear();
}
