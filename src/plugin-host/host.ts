/**
 * The plugin host: sets up enabled instances in config order, each under a timeout,
 * before the server listens; closes them in reverse order on shutdown (docs/design.md §5: the
 * gateway owns the lifecycle, not Elysia's unawaited onStart/onStop).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { PluginInstanceSpec } from '../config/instances.ts'
import { PluginError } from '../errors.ts'
import type { Logger } from '../log.ts'
import type { PluginInstance } from '../plugin.ts'
import { withTimeout } from '../timeout.ts'

export interface RunningPlugin {
  spec: PluginInstanceSpec
  instance: PluginInstance
}

export interface HostOptions {
  logger: Logger
  configDir: string
  /** Parent of each instance's data folder. */
  dataDir: string
  signal: AbortSignal
  /** @default 10000 */
  setupTimeoutMs?: number
}

function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withTimeout(promise, ms, (): never => {
    throw new Error(`${what} did not finish within ${ms} ms`)
  })
}

/** Sets up every enabled instance, in order; on a failure, closes those already set up and throws. */
export async function setUpPlugins(specs: PluginInstanceSpec[], options: HostOptions): Promise<RunningPlugin[]> {
  const running: RunningPlugin[] = []
  const timeoutMs = options.setupTimeoutMs ?? 10_000
  for (const spec of specs) {
    if (!spec.enabled || !spec.definition) continue
    const dataDir = join(options.dataDir, spec.id)
    mkdirSync(dataDir, { recursive: true })
    const logger = options.logger.child({ plugin: spec.id })
    try {
      const setup = spec.definition.setup({
        id: spec.id,
        options: spec.options as never,
        logger,
        dataDir,
        configDir: options.configDir,
        signal: options.signal,
      })
      const instance = await bounded(Promise.resolve(setup), timeoutMs, `setup of plugin instance "${spec.id}"`)
      if (typeof instance?.deliver !== 'function' && typeof instance?.decide !== 'function') {
        throw new Error('setup() did not return an object with deliver(event) or decide(event, ctx)')
      }
      running.push({ spec, instance })
      logger.debug('plugin instance ready', { use: spec.use })
    } catch (error) {
      await closePlugins(running, options.logger)
      throw new PluginError(`plugin instance "${spec.id}" (${spec.use}) failed to set up: ${(error as Error).message}`, { cause: error })
    }
  }
  return running
}

/** Closes instances in reverse order; one failing close does not stop the others. */
export async function closePlugins(running: RunningPlugin[], logger: Logger, timeoutMs = 10_000): Promise<void> {
  for (const { spec, instance } of [...running].reverse()) {
    try {
      await bounded(Promise.resolve(instance.close?.()), timeoutMs, `close of plugin instance "${spec.id}"`)
    } catch (error) {
      logger.error('plugin instance failed to close', { plugin: spec.id, error })
    }
  }
}
