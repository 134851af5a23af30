import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createRegistry } from "@bufbuild/protobuf";
import { createContextValues } from "@connectrpc/connect";
import { sql } from "kysely";
import { principalForToken } from "../api/auth/principal.js";
import { authInterceptor } from "../api/interceptors/auth.js";
import { databaseBudgetInterceptor } from "../api/interceptors/database-budget.js";
import { deadlineInterceptor } from "../api/interceptors/deadline.js";
import { strictTextDecoder, textInputInterceptor } from "../api/interceptors/text-input.js";
import { errorInterceptor } from "../api/interceptors/errors.js";
import { startLockoutSweeper } from "../jobs/lockout-sweeper.js";
import { implementations, restPrefixes, routesOf } from "../api/routes.js";
import { type LifecycleScheduler, startLifecycleScheduler } from "../jobs/lifecycle-scheduler.js";
import type { Deps } from "../commands/deps.js";
import type { Config } from "../config.js";
import { describeFault } from "../db/faults.js";
import { migrateToLatest } from "../db/migrate.js";
import { describeDatabaseUrl, retryWhileDatabaseDown, withTimeout } from "../db/startup.js";
import { type OpenDatabase, openDatabase } from "../db/database.js";
import type { ReadRoute } from "../db/read-replica.js";
import { openReadRoute } from "./read-route.js";
import { EventStore } from "../eventstore/event-store.js";
import { DEFAULT_WATCH_OPTIONS, EventHub } from "../events/hub.js";
import { DEFAULT_DELIVERY_OPTIONS } from "../delivery/config.js";
import { deliveryMetrics } from "../delivery/metrics.js";
import { DeliveryWorker } from "../delivery/worker.js";
import { serveOpenApi } from "../gateway/openapi-document.js";
import { createRestGateway } from "../gateway/rest-gateway.js";
import { createIdGenerator } from "../ids.js";
import { createLogger, type Logger } from "../logger.js";
import { projections } from "../projections/registry.js";
import { createV1Surface } from "../v1-surface/surface.js";
import { isV1SurfacePath } from "../v1-surface/routes.js";
import { createScimSurface, isScimPath } from "../scim/surface.js";
import { ErrorDetailSchema, ErrorFactsSchema } from "../../gen/zitadel/message_pb.js";
import { type BootstrapResult, bootstrapInstance } from "./bootstrap.js";
import { consoleHandler, isConsolePath } from "./console.js";
import { withCors } from "./cors.js";
import { createEntry, type Surface, type SurfaceHandler } from "./entry.js";
import { listen, type RequestHandler } from "./listen.js";
import { createRpcHandler } from "./rpc-handler.js";
import { livenessProbe, readinessProbe } from "../observability/probes.js";
import { collapsingDatabaseOutages, DATABASE_DOWN } from "../observability/outage-log.js";
import { createMetrics } from "../observability/metrics.js";
import { metricsEndpoint, startMetricsServer } from "../observability/metrics-endpoint.js";
import { assignRequestId, kProtocol, observeInterceptor, protocolOf } from "../observability/request-log.js";

export interface App {
  url: string;
  port: number;
  /** Where /metrics is served when METRICS_PORT is set. */
  metricsPort?: number;
  /** The bootstrap admin's token when this start created the instance. */
  adminToken?: string;
  database: OpenDatabase;
  /** The shared reader behind WatchEvents. */
  events: EventHub;
  /** Scheduled deactivations and inactivity policies; `tick()` runs a pass now. */
  lifecycle: LifecycleScheduler;
  close(): Promise<void>;
}

export interface AppOverrides {
  now?: () => Date;
  log?: Logger;
}

/** Wires config, database, store, handlers and the one port together. Nothing else constructs these. */
export async function startApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = collapsingDatabaseOutages(overrides.log ?? createLogger(config.logLevel), config.outageLogIntervalMs ?? 10_000);
  const now = overrides.now ?? (() => new Date());
  let ready = false;
  const shutdown = new AbortController();
  let serve: RequestHandler = (req, res) => {
    res.statusCode = 503;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ code: 14, message: "starting", details: [] }));
  };
  const server = await listen({ handler: (req, res) => livenessProbe(req, res, shutdown.signal) || (assignRequestId(req, res), serve(req, res)), port: config.port, host: config.host, tls: config.tls, ...config.http });

  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMode: config.dbPoolMode,
    pglite: config.pglite,
    timeouts: { connectTimeoutMs: config.dbConnectTimeoutMs, queryTimeoutMs: config.dbQueryTimeoutMs, idleInTransactionTimeoutMs: config.dbIdleInTransactionTimeoutMs },
    onConnectionError: (error) => log.warn("database connection lost", { cause: describeFault(error), ...DATABASE_DOWN }),
    onAnswered: () => log.databaseAnswered(),
  }).catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  const metrics = createMetrics(database.poolStats);
  const store = new EventStore(database.db, projections, now, metrics.storeObserver);
  const events = new EventHub(database.db, { ...DEFAULT_WATCH_OPTIONS, ...config.watch }, log);
  metrics.watchLiveStreams(() => events.watchers);
  const delivery = { ...DEFAULT_DELIVERY_OPTIONS, ...config.delivery };
  let readRoute: ReadRoute;
  try {
    readRoute = openReadRoute(config, database, log, metrics.registry);
  } catch (error) {
    await server.close();
    await database.close();
    throw error;
  }
  const deps: Deps = { db: database.db, reads: readRoute.reads, store, now, newId: createIdGenerator(), lockout: config.lockout, events, dbBudgetMs: database.requestBudgetMs, addressPolicy: { allowPrivate: delivery.allowPrivateTargets } };
  let boot: BootstrapResult;
  try {
    // Until the database answers, the port says 503 "starting" and the log says why, once per attempt.
    const retry = { log, target: config.databaseUrl ? describeDatabaseUrl(config.databaseUrl) : config.dataDir, maxDelayMs: config.dbStartupRetryMaxMs ?? 30_000 };
    await retryWhileDatabaseDown(() => migrateToLatest(database.db), retry);
    const tokenFile = config.dataDir === ":memory:" || config.adminToken ? undefined : join(config.dataDir, "admin.pat");
    if (tokenFile) mkdirSync(config.dataDir, { recursive: true });
    boot = await retryWhileDatabaseDown(
      () => bootstrapInstance(store, { newId: deps.newId, now, adminToken: config.adminToken, tokenFile, tokenWorks: async (token) => !!(await principalForToken(database.db, token, now())) }),
      retry,
    );
    if (boot.admin) announceAdmin(config, boot.admin.token, tokenFile, log);
  } catch (error) {
    await server.close();
    await readRoute.close();
    await database.close();
    throw error;
  }
  const lockoutSweeper = startLockoutSweeper(deps, log, config.lockoutSweepIntervalMs);
  // PGlite is one process by nature: no other process can add a target behind this one's back.
  const deliveryWorker = new DeliveryWorker(deps, { ...delivery, idlePollIntervalMs: database.kind === "pglite" ? 0 : delivery.idlePollIntervalMs }, log, deliveryMetrics(metrics.registry, database.db));
  if (delivery.enabled) {
    deliveryWorker.start();
    deps.actionsChanged = () => deliveryWorker.changed();
  }
  const lifecycle = startLifecycleScheduler(deps, log, {
    intervalMs: config.lifecycle?.intervalMs ?? 15_000,
    workers: config.lifecycle?.workers ?? 2,
    observer: metrics.lifecycleObserver,
  });

  const healthCheckTimeoutMs = config.healthCheckTimeoutMs ?? 2_000;
  // Bounded: a database that does not answer makes the service NOT_SERVING, never a hanging probe.
  const isReady = async () =>
    ready &&
    (await withTimeout(
      sql`select 1`.execute(database.db).then(() => true, () => false),
      healthCheckTimeoutMs,
      false,
    ));
  const interceptors = [observeInterceptor(metrics, log), errorInterceptor(log), textInputInterceptor(), databaseBudgetInterceptor(deps.dbBudgetMs), authInterceptor(deps), deadlineInterceptor()];
  const registered = implementations(deps, { isReady, watchIntervalMs: config.healthWatchIntervalMs ?? 5_000, shutdown: shutdown.signal });
  const serviceRoutes = routesOf(registered);
  const gateway = createRestGateway({
    implementations: registered,
    interceptors,
    prefixes: restPrefixes,
    registry: createRegistry(ErrorDetailSchema, ErrorFactsSchema),
    readMaxBytes: config.maxRequestBytes,
    contextValues: () => createContextValues().set(kProtocol, "rest"),
  });
  const serveConsole = consoleHandler(config.consoleDir ?? join(process.cwd(), "dist", "console"));
  const metricsServer = config.metricsPort === undefined ? undefined : await startMetricsServer(config.metricsPort, config.host, metrics);
  const v1Surface = createV1Surface(deps, { log, metrics, rateLimitPerMinute: config.v1RateLimitPerMinute });
  const scim = createScimSurface(deps, { log, metrics, ...config.scim });
  const rpc = createRpcHandler({
    routes: serviceRoutes,
    interceptors,
    readMaxBytes: config.maxRequestBytes,
    jsonOptions: { textDecoder: strictTextDecoder } as object,
    // Compressed requests are accepted; responses go out uncompressed, as ZITADEL's own server sends them:
    // gzip of a 100-user page cost ~8% of the server's CPU for a few KB saved on a fast link.
    compressMinBytes: Number.MAX_SAFE_INTEGER,
    contextValues: (req) => createContextValues().set(kProtocol, protocolOf(req.headers["content-type"])),
    log,
  });
  const entry = createEntry(
    ([
      { name: "readiness", owns: (path, method) => method === "GET" && path === "/readyz", handle: (req, res) => void (readinessProbe(req as never, res as never, isReady) || gateway(req as never, res as never)) },
      ...(metricsServer ? [] : [{ name: "metrics", owns: (path: string, method: string) => method === "GET" && path === "/metrics", handle: ((req, res) => void metricsEndpoint(req as never, res as never, metrics)) as SurfaceHandler }]),
      { name: "rpc", owns: rpc.owns, handle: rpc.handle },
      { name: "v1", owns: (path) => isV1SurfacePath(path), handle: v1Surface as SurfaceHandler },
      { name: "scim", owns: (path) => isScimPath(path), handle: scim as SurfaceHandler },
      { name: "console", owns: (path) => isConsolePath(path), handle: serveConsole as SurfaceHandler },
      { name: "openapi", owns: (path, method) => method === "GET" && path === "/openapi.json", handle: (_req, res) => serveOpenApi(res as never) },
    ] satisfies Surface[]),
    gateway as SurfaceHandler,
  );
  serve = withCors(config.corsAllowedOrigins ?? [], entry as never) as RequestHandler;
  ready = true;
  log.info("listening", { url: server.url, database: database.kind });

  return {
    url: server.url,
    port: server.port,
    metricsPort: metricsServer?.port,
    adminToken: boot.admin?.token,
    database,
    events,
    lifecycle,
    async close() {
      ready = false;
      shutdown.abort();
      // Still serving, but /readyz says 503: a load balancer's health check takes this instance out of
      // rotation before it stops accepting, so no request is sent to a closing connection.
      if (config.shutdownDelayMs) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
      // Live streams end first, with Unavailable: their clients resume from their position on another instance.
      events.endStreams();
      // Then the shared reader stops: a stream still open would otherwise hold its connection until the grace period.
      await events.close();
      await server.close();
      await metricsServer?.close();
      await lockoutSweeper.stop();
      await deliveryWorker.stop();
      await lifecycle.stop();
      await readRoute.close();
      await database.close();
    },
  };
}

function announceAdmin(config: Config, token: string, tokenFile: string | undefined, log: Logger): void {
  if (config.adminToken) {
    log.info("first start: admin created with the token from ADMIN_TOKEN");
    return;
  }
  if (!tokenFile) {
    log.info("first start: admin token (throwaway database, not written to disk)", { token });
    return;
  }
  log.info("first start: admin personal access token written", { path: tokenFile });
}
