/**
 * Assembles a gateway from a loaded config: store → plugins (set up in order, awaited)
 * → dispatcher → Elysia app. `buildGateway` does not listen (tests drive `app.handle`);
 * `serveGateway` listens through the runtime and owns shutdown.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path'
import type { LoadedConfig } from './config/load.ts'
import { Dispatcher } from './delivery/dispatcher.ts'
import { SqliteStore } from './delivery/sqlite-store.ts'
import type { DeliveryStore } from './delivery/store.ts'
import { GatewayError } from './errors.ts'
import { createGateway, type Gateway } from './http/gateway.ts'
import type { CallbackOutcome, IngressState, TencentAuth } from './http/ingress.ts'
import { createLogger, isLogLevel, SecretRegistry, type Logger } from './log.ts'
import { closePlugins, setUpPlugins, type RunningPlugin } from './plugins/host.ts'
import { compileRoutes } from './routing/match.ts'
import type { GatewayConfig } from './config/schema.ts'
import type { Runtime } from './runtime/index.ts'

export interface BuildOptions {
  /** Where log lines go. @default stdout */
  write?: (line: string) => void
  /** Dispatcher heartbeat (how soon work written by another process is seen). @default 2000 */
  heartbeatMs?: number
}

export interface BuiltGateway {
  app: Gateway
  store: DeliveryStore
  dispatcher: Dispatcher
  plugins: RunningPlugin[]
  logger: Logger
  secrets: SecretRegistry
  state: IngressState
  /** /readyz answers 503 from now on, so a load balancer stops sending before the listener closes. */
  markDraining(): void
  /** Ordered shutdown: not ready → in-flight deliveries finish (bounded) → plugins closed in reverse → store closed. */
  close(options?: { drainTimeoutMs?: number }): Promise<void>
}

/** How long shutdown waits for in-flight deliveries before leaving them pending for the next start. */
export const DRAIN_TIMEOUT_MS = 10_000
const HOUR_MS = 3_600_000

export function authFrom(tencent: GatewayConfig['tencent']): TencentAuth {
  const ids = Array.isArray(tencent.sdkAppId) ? tencent.sdkAppId : [tencent.sdkAppId]
  const tokens = [tencent.token, ...(tencent.tokens ?? [])].filter((token) => token !== '')
  return { appIds: new Set(ids.map(String)), tokens, maxClockSkewSeconds: tencent.maxClockSkewSeconds }
}

export function storePath(loaded: LoadedConfig): string {
  const { path } = loaded.config.store
  return path === ':memory:' || isAbsolute(path) ? path : resolve(loaded.configDir, path)
}

function openStore(loaded: LoadedConfig): DeliveryStore {
  const { store } = loaded.config
  if (store.url) {
    throw new GatewayError('store.url (PostgreSQL) is not supported by this version yet; remove it to use the embedded SQLite store', 'STORE_UNSUPPORTED', 2)
  }
  return new SqliteStore({ path: storePath(loaded), sync: store.sync, dedupWindowMs: loaded.config.dedupWindowSeconds * 1000 })
}

function logOutcome(logger: Logger): (outcome: CallbackOutcome) => void {
  return function logCallback(o) {
    const fields = { command: o.command, outcome: o.outcome, status: o.status, ms: Math.round(o.ms * 100) / 100, eventId: o.outcome === 'duplicate' ? undefined : o.eventId, targets: o.targets }
    if (o.status >= 500) logger.error('callback', fields)
    else if (o.status >= 400) logger.warn('callback rejected', fields)
    else logger.debug('callback', fields)
  }
}

export async function buildGateway(loaded: LoadedConfig, options: BuildOptions = {}): Promise<BuiltGateway> {
  const { config } = loaded
  const secrets = new SecretRegistry()
  for (const secret of loaded.secrets) secrets.add(secret)
  const level = isLogLevel(config.log.level) ? config.log.level : 'info'
  const logger = createLogger({ level, secrets, write: options.write })

  const store = openStore(loaded)
  const abort = new AbortController()
  const storeFile = storePath(loaded)
  const dataDir = storeFile === ':memory:' ? join(loaded.configDir, 'data', 'plugins') : join(dirname(storeFile), 'plugins')
  let plugins: RunningPlugin[]
  try {
    plugins = await setUpPlugins(loaded.instances, { logger, configDir: loaded.configDir, dataDir, signal: abort.signal })
  } catch (error) {
    await store.close()
    throw error
  }

  const dispatcher = new Dispatcher(
    store,
    plugins.map(({ spec, instance }) => ({ id: spec.id, instance, concurrency: spec.concurrency, retry: spec.retry })),
    { logger, scrub: (text) => secrets.scrub(text), heartbeatMs: options.heartbeatMs, aborted: () => abort.signal.aborted },
  )
  const state: IngressState = {
    routes: compileRoutes(config.routes, new Set(plugins.map((p) => p.spec.id))),
    auth: authFrom(config.tencent),
    dedup: config.dedupWindowSeconds > 0,
  }
  let ready = false
  const app = createGateway({
    path: config.server.path,
    server: config.server,
    state,
    store,
    logger,
    observe: logOutcome(logger),
    isReady: () => ready,
  })

  const retentionMs = config.store.retentionDays * 24 * HOUR_MS
  const prune = () =>
    store.prune(Date.now() - retentionMs).catch((error) => logger.warn('retention prune failed', { error }))
  const pruneTimer = setInterval(prune, HOUR_MS)
  // Retention is housekeeping: it must not keep a stopping process alive.
  ;(pruneTimer as { unref?: () => void }).unref?.()

  if (state.auth.tokens.length === 0) {
    logger.warn('tencent.token is empty: Sign/RequestTime are not verified; anyone who knows the URL and SdkAppid can post callbacks')
  }
  dispatcher.start()
  ready = true
  void prune()

  let closing: Promise<void> | undefined
  async function close({ drainTimeoutMs = DRAIN_TIMEOUT_MS } = {}): Promise<void> {
    closing ??= (async () => {
      ready = false
      clearInterval(pruneTimer)
      const drained = await dispatcher.stop(drainTimeoutMs)
      if (!drained) logger.warn('shutdown: in-flight deliveries did not finish in time; they stay pending for the next start', { inFlight: dispatcher.inFlight() })
      abort.abort()
      await closePlugins(plugins, logger)
      await store.close()
    })()
    return closing
  }

  const markDraining = () => {
    ready = false
  }
  return { app, store, dispatcher, plugins, logger, secrets, state, markDraining, close }
}

export interface ServedGateway extends BuiltGateway {
  port: number
  /** Resolves when the gateway has shut down after a signal (or stop()). */
  stopped: Promise<void>
  stop(): Promise<void>
}

export async function serveGateway(loaded: LoadedConfig, runtime: Runtime, options: BuildOptions = {}): Promise<ServedGateway> {
  const built = await buildGateway(loaded, options)
  const { server } = loaded.config
  let running
  try {
    running = await runtime.serve({
      hostname: server.hostname,
      port: server.port,
      fetch: built.app.fetch,
      // The runtime's own cap sits above ours, so our 413 with a FAIL body answers first.
      maxRequestBodySize: server.maxBodyBytes + 64 * 1024,
    })
  } catch (error) {
    await built.close()
    throw new GatewayError(`cannot listen on ${server.hostname}:${server.port}: ${(error as Error).message}`, 'LISTEN_FAILED', 1, { cause: error })
  }

  let resolveStopped!: () => void
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve))
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      built.logger.info('shutting down: no new callbacks; finishing in-flight deliveries')
      built.markDraining()
      await running.stop()
      await built.close()
      removeSignals()
      built.logger.info('stopped')
      resolveStopped()
    })())
  const removeSignals = runtime.onShutdownSignal((signal) => {
    built.logger.info('signal received', { signal })
    void stop()
  })

  built.logger.info('listening', {
    runtime: runtime.name,
    url: `http://${server.hostname}:${running.port}${server.path}`,
    environment: loaded.environment ?? null,
    store: built.store.kind,
    plugins: built.plugins.map((p) => p.spec.id),
  })
  return { ...built, port: running.port, stopped, stop }
}
