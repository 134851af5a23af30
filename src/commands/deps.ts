import type { Db } from "../db/database.js";
import type { Reads } from "../db/read-replica.js";
import type { EventStore } from "../eventstore/event-store.js";
import type { EventHub } from "../events/hub.js";
import type { LockoutPolicy } from "../domain/settings/lockout.js";
import type { AddressPolicy } from "../domain/action/address-policy.js";

/** What handlers need from the outside world; passed in, never reached for as globals. */
export interface Deps {
  db: Db;
  /** Read-only query paths run through this (a caught-up replica, or the primary); commands stay on `db`. */
  reads: Reads;
  store: EventStore;
  now(): Date;
  newId(): string;
  /** The configured lockout policy, in force until an admin sets one; none when absent. */
  lockout?: LockoutPolicy;
  /** The shared reader behind WatchEvents; without one the method is unimplemented. */
  events?: EventHub;
  /** The database time one request may take in all (db/budget.ts); each surface starts it at its entry. */
  dbBudgetMs?: number;
  /** Which addresses targets may live on; private and loopback allowed when absent. */
  addressPolicy?: AddressPolicy;
  /** Told after a target, an execution or a delivery changed in this process: the delivery loop looks at once. */
  actionsChanged?: () => void;
}
