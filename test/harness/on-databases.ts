import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe } from "vitest";
import { newToken } from "../../src/credentials/tokens.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db/database.js";
import type { AppOverrides } from "../../src/server/app.js";
import { Clients } from "./clients.js";
import { createScratchDatabase, type DatabaseKind, databaseKinds } from "./databases.js";
import { newOrg } from "./fixtures.js";
import { startTestServer, type TestServer } from "./server.js";

export type ManualClock = ReturnType<typeof manualClock>;

/** A clock that stands still until advanced. */
export function manualClock(start = new Date()) {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) {
      current = new Date(current.getTime() + ms);
    },
  };
}

export interface OnDatabaseOptions {
  /** Which database kinds to run on; every available kind unless given. */
  kinds?: readonly DatabaseKind[];
  /** The clock, the logger. */
  overrides?: AppOverrides;
  /** Run the server on `clock`, a clock that moves only when told to. */
  manualClock?: boolean;
  /** Server settings (lockout, rate limits, intervals, ...). */
  config?: Partial<Config>;
  /** How many fresh organizations to add before the tests (`orgIds`; the first is `orgId`). Default 1. */
  orgs?: number;
  /**
   * Keep the database on disk (a PGlite data directory or a scratch PostgreSQL database) with a known admin
   * token, so `stopServer()` / `startServer()` restart on the same data and a CLI can open it (`database`).
   */
  persistent?: boolean;
}

/** What a suite gets: read its fields inside hooks and tests, where the server is running. */
export interface OnDatabase {
  readonly kind: DatabaseKind;
  /** The running server; the same object across restarts. */
  readonly server: TestServer;
  /** Clients for every RPC protocol on the server's port; the same object across restarts. */
  readonly clients: Clients;
  readonly url: string;
  readonly adminToken: string;
  readonly db: Db;
  /** The first fresh organization. */
  readonly orgId: string;
  readonly orgIds: readonly string[];
  /** With `manualClock`: the server's clock. */
  readonly clock: ManualClock;
  /** With `persistent`: where the data lives, as the CLIs take it. */
  readonly database: { databaseUrl?: string; dataDir?: string };
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
}

/**
 * `describe.each` over the database kinds with one real server per kind for the whole block, started before
 * its tests and stopped after them, clients for every protocol and fresh organizations. `name` may hold `%s`
 * for the kind.
 */
export function describeOnDatabases(name: string, body: (t: OnDatabase) => void): void;
export function describeOnDatabases(name: string, options: OnDatabaseOptions, body: (t: OnDatabase) => void): void;
export function describeOnDatabases(name: string, a: OnDatabaseOptions | ((t: OnDatabase) => void), b?: (t: OnDatabase) => void): void {
  const [options, body] = typeof a === "function" ? [{}, a] : [a, b as (t: OnDatabase) => void];
  describe.each(options.kinds ?? databaseKinds)(name, (kind) => {
    const fixture = new DatabaseFixture(kind, options);
    beforeAll(() => fixture.setUp());
    afterAll(() => fixture.tearDown());
    body(fixture);
  });
}

class DatabaseFixture implements OnDatabase {
  readonly clients = new Clients(() => this.url);
  readonly server: TestServer;
  readonly database: { databaseUrl?: string; dataDir?: string } = {};
  readonly clock = manualClock();
  orgIds: string[] = [];
  private running: TestServer | undefined;
  private dropScratch: (() => Promise<void>) | undefined;
  private config: Partial<Config>;

  constructor(
    readonly kind: DatabaseKind,
    private readonly options: OnDatabaseOptions,
  ) {
    this.config = { ...options.config };
    const fixture = this;
    this.server = {
      get app() {
        return fixture.started.app;
      },
      get url() {
        return fixture.started.url;
      },
      get adminToken() {
        return fixture.started.adminToken;
      },
      get databaseUrl() {
        return fixture.started.databaseUrl;
      },
      stop: () => fixture.stopServer(),
    };
  }

  private get started(): TestServer {
    if (!this.running) throw new Error("the server runs from beforeAll to afterAll: read it inside a hook or a test");
    return this.running;
  }

  get url() {
    return this.started.url;
  }
  get adminToken() {
    return this.started.adminToken;
  }
  get db() {
    return this.started.app.database.db;
  }
  get orgId() {
    const first = this.orgIds[0];
    if (first === undefined) throw new Error("this suite asked for no organization");
    return first;
  }

  async setUp() {
    if (this.options.persistent) await this.prepareDatabase();
    await this.startServer();
    for (let i = 0; i < (this.options.orgs ?? 1); i++) this.orgIds.push(await newOrg(this.clients, this.adminToken));
  }

  async tearDown() {
    await this.stopServer();
    await this.dropScratch?.();
  }

  async startServer() {
    const clock = this.options.manualClock ? { now: this.clock.now } : {};
    this.running = await startTestServer(this.kind, { ...clock, ...this.options.overrides }, this.config);
  }

  async stopServer() {
    this.clients.close();
    const running = this.running;
    this.running = undefined;
    await running?.stop();
  }

  private async prepareDatabase() {
    if (this.kind === "postgres") {
      const scratch = await createScratchDatabase();
      this.database.databaseUrl = scratch.url;
      this.dropScratch = scratch.drop;
    } else {
      const dataDir = mkdtempSync(join(tmpdir(), "lifecycle-test-"));
      this.database.dataDir = dataDir;
      this.dropScratch = async () => rmSync(dataDir, { recursive: true, force: true });
    }
    this.config = { ...this.config, adminToken: newToken(), ...this.database };
  }
}
