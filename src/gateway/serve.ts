/**
 * Serves a built gateway through the runtime, and owns its signals: SIGTERM/SIGINT shut it
 * down in order, SIGHUP reloads the config from disk.
 */
import { loadConfig, type LoadedConfig } from '../config/load.ts'
import { ConfigError, GatewayError } from '../errors.ts'
import { setClientAddress } from '../ingress/client-address.ts'
import type { Runtime } from '../runtime/index.ts'
import { buildGateway, type BuildOptions, type BuiltGateway } from './build.ts'

export interface ServedGateway extends BuiltGateway {
  port: number
  /** The admin console's port, when `admin` is configured. */
  adminPort?: number
  /** Resolves when the gateway has shut down after a signal (or stop()). */
  stopped: Promise<void>
  stop(): Promise<void>
}

export interface ServeSource {
  /** Where a reload (SIGHUP) re-reads the config from. */
  path: string
  environment?: string
}

export async function serveGateway(loaded: LoadedConfig, runtime: Runtime, options: BuildOptions & { source?: ServeSource } = {}): Promise<ServedGateway> {
  const built = await buildGateway(loaded, options)
  const { server } = loaded.config
  let running
  try {
    running = await runtime.serve({
      hostname: server.hostname,
      port: server.port,
      // The peer address rides with the request (ingress/client-address.ts): the app sees only a Request.
      fetch: (request, peer) => {
        setClientAddress(request, peer)
        return built.app.fetch(request)
      },
      // No runtime cap: Bun answers a body over its cap itself, before the gateway sees the
      // request, with an empty 413 (a 502 behind nginx). The gateway enforces maxBodyBytes
      // itself, on the declared length and on the streamed bytes, and answers its JSON 413.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    })
  } catch (error) {
    await built.close()
    throw new GatewayError(`cannot listen on ${server.hostname}:${server.port}: ${(error as Error).message}`, 'LISTEN_FAILED', 1, { cause: error })
  }

  // The console and its API on a port of their own, never the callback port (docs/design.md §10).
  const adminConfig = loaded.config.admin
  let adminListener: Awaited<ReturnType<Runtime['serve']>> | undefined
  if (built.admin && adminConfig) {
    const admin = built.admin
    try {
      adminListener = await runtime.serve({
        hostname: adminConfig.hostname,
        port: adminConfig.port,
        fetch: (request) => admin.fetch(request),
        maxRequestBodySize: 64 * 1024,
      })
    } catch (error) {
      await running.stop()
      await built.close()
      throw new GatewayError(`cannot listen on admin ${adminConfig.hostname}:${adminConfig.port}: ${(error as Error).message}`, 'LISTEN_FAILED', 1, {
        cause: error,
      })
    }
  }

  let resolveStopped!: () => void
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve))
  let stopping: Promise<void> | undefined
  // Shutdown always ends: a step that fails (a store whose files were deleted) is logged and
  // the next step runs, so a signal never leaves the process spinning until SIGKILL.
  const step = async (what: string, work: () => Promise<unknown>) => {
    try {
      await work()
    } catch (error) {
      built.logger.error(`shutdown: ${what} failed; continuing`, { error })
    }
  }
  const stop = () =>
    (stopping ??= (async () => {
      built.logger.info('shutting down: no new callbacks; finishing in-flight deliveries')
      built.markDraining()
      await step('closing the listener', () => running.stop())
      if (adminListener) await step('closing the admin listener', () => adminListener.stop())
      await step('closing the gateway', () => built.close())
      removeSignals()
      built.logger.info('stopped')
      resolveStopped()
    })())

  async function reloadFromDisk(): Promise<void> {
    if (stopping || !options.source) return
    built.logger.info('reloading config', { path: options.source.path })
    try {
      const next = await loadConfig({ path: options.source.path, environment: options.source.environment })
      const changes = await built.reload(next)
      built.logger.info('config reloaded', { changes })
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [(error as Error).message]
      for (const problem of problems) built.logger.error('config reload failed; the running config stays', { problem })
    }
  }

  const removeSignals = runtime.onSignals({
    shutdown(signal) {
      built.logger.info('signal received', { signal })
      void stop()
    },
    reload() {
      void reloadFromDisk()
    },
  })

  warnAboutFetchLimit(built, runtime)
  built.logger.info('listening', {
    runtime: runtime.name,
    url: `http://${server.hostname}:${running.port}${server.path}`,
    environment: loaded.environment ?? null,
    store: built.store.kind,
    plugins: built.plugins.map((p) => p.spec.id),
    // What `kill -HUP` (reload) and `kill -TERM` need, when a supervisor is not the one asking.
    pid: process.pid,
  })
  if (adminListener && adminConfig) {
    built.logger.info('admin console listening', {
      url: `http://${adminConfig.hostname}:${adminListener.port}/`,
      token: adminConfig.token ? 'required' : 'none (loopback only)',
    })
  }
  // Object.assign, not a spread: `plugins` is a getter that must stay live across reloads.
  return Object.assign(built, { port: running.port, adminPort: adminListener?.port, stopped, stop })
}

/** Below this, a decider calling a slow service runs out of connections before its budget does. */
const ENOUGH_FETCHES = 1024

/**
 * Bun lets `fetch` keep 256 requests open and queues the rest, so http-decide at 1000/s to a
 * 400 ms service answers most callbacks with the fallback (docs/performance.md, S8 decisions).
 */
function warnAboutFetchLimit(built: BuiltGateway, runtime: Runtime): void {
  const limit = runtime.fetchLimit
  if (limit === undefined || limit >= ENOUGH_FETCHES || built.state.deciders.size === 0) return
  built.logger.warn(
    `${runtime.name} lets fetch keep only ${limit} requests open at once, which caps decisions that call a service (http-decide); start with BUN_CONFIG_MAX_HTTP_REQUESTS=4096 (npm start and the examples set it)`,
    { deciders: [...built.state.deciders.keys()] },
  )
}
