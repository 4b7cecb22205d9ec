/**
 * Assembles a gateway from a loaded config: store → plugins (set up in order, awaited)
 * → dispatcher → Elysia app. It does not listen: tests drive `app.handle`, and serve.ts
 * listens through the runtime.
 */
import { dirname, join } from 'node:path'
import type { LoadedConfig } from '../config/load.ts'
import { createAdminApp, type AdminApp } from '../admin/api.ts'
import type { GatewayConfig } from '../config/schema.ts'
import { Dispatcher, type LaneSpec } from '../delivery/dispatcher.ts'
import { compileAllowList, compileProxyTrust } from '../ingress/allow-list.ts'
import { createGateway, type Gateway } from '../ingress/gateway.ts'
import { DecisionsInFlight } from '../ingress/before.ts'
import type { CallbackOutcome, IngressState, TencentAuth } from '../ingress/pipeline.ts'
import { createLogger, isLogLevel, SecretRegistry, type Logger, type LoggerOptions } from '../log.ts'
import { closePlugins, setUpPlugins, type RunningPlugin } from '../plugin-host/host.ts'
import { checkRoles, decidersOf } from '../plugin-host/roles.ts'
import { compileRoutes } from '../routing/match.ts'
import { appLabel, appsOf } from '../config/apps.ts'
import { routableApps, trtcApps } from '../config/trtc.ts'
import { openStore, storePath } from '../store/open.ts'
import type { DeliveryStore } from '../store/store.ts'
import { createLoadMeter } from './load-meter.ts'
import { createMetrics, type GatewayMetrics } from './metrics.ts'
import { describeReload, planReload } from './reload-plan.ts'
import { unrefTimer } from '../timeout.ts'

export interface BuildOptions {
  /** Where log lines go. @default stdout */
  write?: (line: string) => void
  /** Dispatcher heartbeat (how soon work written by another process is seen). @default 2000 */
  heartbeatMs?: number
}

export interface BuiltGateway {
  app: Gateway
  /** The operator console and its API, when `admin` is configured (serve.ts listens on admin.port). */
  admin?: AdminApp
  store: DeliveryStore
  dispatcher: Dispatcher
  /** The running plugin instances (a reload replaces the list). */
  readonly plugins: RunningPlugin[]
  logger: Logger
  secrets: SecretRegistry
  metrics: GatewayMetrics
  state: IngressState
  /**
   * Applies a new config without dropping a request or a pending delivery: new and changed
   * instances are set up first, routes and auth are swapped, then replaced instances finish
   * their in-flight deliveries and are closed. Throws (and changes nothing) if a setup fails.
   */
  reload(next: LoadedConfig): Promise<string[]>
  /** /readyz answers 503 from now on, so a load balancer stops sending before the listener closes. */
  markDraining(): void
  /** Ordered shutdown: not ready → in-flight deliveries finish (bounded) → plugins closed in reverse → store closed. */
  close(options?: { drainTimeoutMs?: number }): Promise<void>
}

/** How long shutdown waits for in-flight deliveries before leaving them pending for the next start. */
export const DRAIN_TIMEOUT_MS = 10_000
const HOUR_MS = 3_600_000

/** Each app by SdkAppid with its own tokens (docs/design.md §3 `tencent.apps`); clock skew is shared. */
export function authFrom(tencent: GatewayConfig['tencent']): TencentAuth {
  const apps = new Map(appsOf(tencent).map((app) => [app.sdkAppId, { label: appLabel(app), tokens: app.tokens }] as const))
  return { apps, maxClockSkewSeconds: tencent.maxClockSkewSeconds }
}

/**
 * SdkAppid → app name, for `event.app`. Derived at delivery time from the current config
 * rather than stored with the event (docs/design.md §5): the SdkAppid is the stored fact, a
 * name is config, so a renamed app names its pending deliveries too, and neither store
 * (SQLite, PostgreSQL) needs a new column. The single-token form has no names.
 */
const appNamesOf = (config: GatewayConfig): ReadonlyMap<string, string> =>
  new Map(appsOf(config.tencent).flatMap((app) => (app.name ? [[app.sdkAppId, app.name] as const] : [])))

/** The apps whose callbacks need no Sign, by label. */
const unsignedApps = (auth: TencentAuth): string[] => [...auth.apps.values()].filter((app) => app.tokens.length === 0).map((app) => app.label)

function stateFor(config: GatewayConfig, running: RunningPlugin[]): IngressState {
  return {
    routes: compileRoutes(config.routes, new Set(running.map((p) => p.spec.id)), routableApps(config)),
    auth: authFrom(config.tencent),
    dedup: config.dedupWindowSeconds > 0,
    allow: compileAllowList(config.server.allowIps),
    trustProxy: compileProxyTrust(config.server.trustProxy),
    deciders: decidersOf(running),
    // The path is fixed at start (reload-plan.ts); the key and apps swap with the rest.
    trtc: config.trtc && { key: config.trtc.key, apps: trtcApps(config) },
  }
}

function lanesFor(running: RunningPlugin[]): LaneSpec[] {
  return running.flatMap(({ spec, instance }) =>
    typeof instance.deliver === 'function'
      ? [{ id: spec.id, instance: instance as LaneSpec['instance'], concurrency: spec.concurrency, retry: spec.retry }]
      : [],
  )
}

/**
 * One log line per callback: info when accepted, warn when rejected, error when not stored.
 * A Before callback's line carries its decision, at warn when the fallback answered a failure.
 */
function logCallback(logger: Logger, o: CallbackOutcome): void {
  const fields: Record<string, unknown> = {
    requestId: o.requestId,
    command: o.command,
    sdkAppId: o.sdkAppId,
    app: o.app,
    outcome: o.outcome,
    status: o.status,
    ms: Math.round(o.ms * 100) / 100,
    targets: o.targets,
  }
  const d = o.decision
  if (d) {
    Object.assign(fields, { action: d.action, errorCode: d.errorCode, source: d.source, decider: d.decider, decideMs: d.ms })
    if (d.reason) fields.reason = d.reason
    if (o.overrun) fields.overrun = true
  }
  if (o.status >= 500 || o.unstored) logger.error('callback', fields)
  else if (o.status >= 400 || (d?.source === 'fallback' && d.decider)) logger.warn('callback', fields)
  else logger.info('callback', fields)
}

export async function buildGateway(loaded: LoadedConfig, options: BuildOptions = {}): Promise<BuiltGateway> {
  let current = loaded
  const secrets = new SecretRegistry()
  for (const secret of loaded.secrets) secrets.add(secret)
  const logOptions: LoggerOptions = { level: isLogLevel(loaded.config.log.level) ? loaded.config.log.level : 'info', secrets, write: options.write }
  const logger = createLogger(logOptions)

  const store = await openStore(loaded, { logger, serve: true })
  const abort = new AbortController()
  const storeFile = storePath(loaded)
  const dataDir = storeFile === ':memory:' ? join(loaded.configDir, 'data', 'plugins') : join(dirname(storeFile), 'plugins')
  const hostOptions = { logger, configDir: loaded.configDir, dataDir, signal: abort.signal }
  let running: RunningPlugin[]
  try {
    running = await setUpPlugins(loaded.instances, hostOptions)
  } catch (error) {
    await store.close()
    throw error
  }
  try {
    checkRoles(loaded.config.routes, running)
  } catch (error) {
    await closePlugins(running, logger)
    await store.close()
    throw error
  }

  let metrics: GatewayMetrics | undefined
  let appNames = appNamesOf(loaded.config)
  const load = createLoadMeter()
  const dispatcher = new Dispatcher(store, lanesFor(running), {
    busy: load.busy,
    logger,
    scrub: (text) => secrets.scrub(text),
    heartbeatMs: options.heartbeatMs,
    aborted: () => abort.signal.aborted,
    onOutcome: (plugin, outcome, ms) => metrics?.observeDelivery(plugin, outcome, ms),
    appName: (sdkAppId) => appNames.get(sdkAppId),
  })
  metrics = createMetrics(store, () => dispatcher.inFlight())
  const gatewayMetrics = metrics
  const state = stateFor(loaded.config, running)
  const decisions = new DecisionsInFlight()
  let ready = false
  const app = createGateway({
    path: loaded.config.server.path,
    trtcPath: loaded.config.trtc?.path,
    server: loaded.config.server,
    state,
    store,
    logger,
    metrics: gatewayMetrics,
    scrub: (text) => secrets.scrub(text),
    decisions,
    observe(outcome) {
      load.tick()
      gatewayMetrics.observeCallback(outcome)
      logCallback(logger, outcome)
    },
    // A store that can no longer commit makes the instance unready, so a load balancer moves on.
    isReady: () => ready && !store.failed,
  })

  const retentionMs = () => current.config.store.retentionDays * 24 * HOUR_MS
  const prune = () => store.prune(Date.now() - retentionMs()).catch((error) => logger.warn('retention prune failed', { error }))
  const pruneTimer = setInterval(prune, HOUR_MS)
  // Retention is housekeeping: it must not keep a stopping process alive.
  unrefTimer(pruneTimer)

  // The single-token form keeps its one line; with tencent.apps, the line names the apps.
  const warnIfUnsigned = (alreadyUnsigned: readonly string[] = []) => {
    const unsigned = unsignedApps(state.auth)
    if (unsigned.length === 0) return
    if (current.config.tencent.apps) {
      if (unsigned.every((label) => alreadyUnsigned.includes(label))) return
      logger.warn(
        `tencent.apps without a token (${unsigned.join(', ')}): Sign/RequestTime are not verified for their callbacks; anyone who knows the URL and SdkAppid can post them`,
        { apps: unsigned },
      )
    } else if (alreadyUnsigned.length === 0)
      logger.warn('tencent.token is empty: Sign/RequestTime are not verified; anyone who knows the URL and SdkAppid can post callbacks')
  }
  warnIfUnsigned()
  dispatcher.start()
  ready = true
  void prune()

  let reloading: Promise<unknown> = Promise.resolve()
  async function reload(next: LoadedConfig): Promise<string[]> {
    // One reload at a time, in the order the signals came.
    const result = reloading.then(() => applyReload(next))
    reloading = result.catch(() => {})
    return result
  }

  async function applyReload(next: LoadedConfig): Promise<string[]> {
    const plan = planReload(
      current,
      running.map((p) => p.spec),
      next,
    )
    for (const secret of next.secrets) secrets.add(secret)
    const fresh = await setUpPlugins(plan.setUp, hostOptions)
    const retiring = running.filter((p) => plan.retire.includes(p.spec.id))
    const kept = running.filter((p) => plan.keep.includes(p.spec.id))
    const byId = new Map([...kept, ...fresh].map((p) => [p.spec.id, p]))
    // Config order, so shutdown closes in reverse config order.
    const nextRunning = next.instances.flatMap((spec) => byId.get(spec.id) ?? [])
    try {
      checkRoles(next.config.routes, nextRunning)
    } catch (error) {
      await closePlugins(fresh, logger)
      throw error
    }
    running = nextRunning
    const nextState = stateFor(next.config, running)
    const wasUnsigned = unsignedApps(state.auth)
    Object.assign(state, nextState)
    appNames = appNamesOf(next.config)
    logOptions.level = isLogLevel(next.config.log.level) ? next.config.log.level : logOptions.level
    const changes = describeReload(current, next, plan)
    const sameForm = !current.config.tencent.apps === !next.config.tencent.apps
    current = next
    const drained = dispatcher.setLanes(lanesFor(running))
    // Said once at start; again only when this reload is what removed a token.
    warnIfUnsigned(sameForm ? wasUnsigned : [])
    for (const key of plan.needsRestart) logger.warn('config reload: this section changed but takes effect only after a restart', { section: key })
    // Replaced instances close once their in-flight deliveries are done; the answer does not wait.
    // Deciders too: a decision still running on a retiring instance finishes first (by its budget).
    void drained.then(() => decisions.settled(retiring.map((p) => p.instance))).then(() => closePlugins(retiring, logger))
    return changes
  }

  let closing: Promise<void> | undefined
  async function close({ drainTimeoutMs = DRAIN_TIMEOUT_MS } = {}): Promise<void> {
    closing ??= (async () => {
      ready = false
      clearInterval(pruneTimer)
      load.stop()
      await reloading
      const drained = await dispatcher.stop(drainTimeoutMs)
      if (!drained)
        logger.warn('shutdown: in-flight deliveries did not finish in time; they stay pending for the next start', { inFlight: dispatcher.inFlight() })
      await decisions.settled(running.map((p) => p.instance))
      abort.abort()
      await closePlugins(running, logger)
      await store.close()
    })()
    return closing
  }

  const admin = loaded.config.admin
    ? createAdminApp({
        store,
        token: loaded.config.admin.token,
        hostname: loaded.config.admin.hostname,
        appNames: () => appNames,
        inFlight: () => dispatcher.inFlight(),
        wake: (plugin) => dispatcher.wake(plugin),
        logger,
      })
    : undefined

  return {
    app,
    admin,
    store,
    dispatcher,
    get plugins() {
      return running
    },
    logger,
    secrets,
    metrics: gatewayMetrics,
    state,
    reload,
    markDraining: () => {
      ready = false
    },
    close,
  }
}
