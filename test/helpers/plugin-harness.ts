/**
 * Sets up a plugin definition through the real host, for plugin unit tests that need no config
 * file or server: options are defaulted and checked as a config load does (defineInstance),
 * secrets registered the same way (instanceSecrets), and setUpPlugins sets the instance up.
 */
import { afterEach } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import { defineInstance, instanceSecrets, type PluginInstanceSpec } from '../../src/config/instances.ts'
import { RetryConfig } from '../../src/config/schema.ts'
import type { DecideContext, Decision, GatewayEvent, PluginDefinition, PluginInstance, TSchema } from '../../src/plugin.ts'
import { setUpPlugins } from '../../src/plugin-host/host.ts'
import { createLogger, SecretRegistry } from '../../src/log.ts'

/** The instance, with `deliver` and `decide` always callable: a missing one throws when called. */
export type HarnessInstance = PluginInstance & {
  deliver(event: GatewayEvent): Promise<void>
  /** `ctx` defaults to a signal that aborts after `budgetMs` (1500). */
  decide(event: GatewayEvent, ctx?: Partial<DecideContext> & { budgetMs?: number }): Promise<Decision>
}

export interface HarnessResult {
  instance: HarnessInstance
  /** Every log line the instance wrote, redacted as the gateway would (see `redact`). */
  logLines: string[]
  /** The instance's data folder. */
  dataDir: string
  /** Removes the folder the harness made (the data folder's parent). */
  remove(): Promise<void>
  abort: AbortController
}

export async function setupPlugin<S extends TSchema>(
  definition: PluginDefinition<S>,
  rawOptions: unknown,
  {
    id = 'test-instance',
    configDir,
    redact = true,
  }: {
    id?: string
    configDir?: string
    /** Register the instance's secrets as the gateway does. Off, logLines show exactly what the plugin wrote, to test that it keeps secrets out itself. */
    redact?: boolean
  } = {},
): Promise<HarnessResult> {
  const problems: string[] = []
  const spec: PluginInstanceSpec = { id, use: definition.name, enabled: true, options: rawOptions ?? {}, retry: Value.Create(RetryConfig), concurrency: 1 }
  defineInstance(spec, definition as PluginDefinition, rawOptions ?? {}, undefined, problems)
  if (problems.length) throw new Error(problems.join('\n'))
  const secrets = new SecretRegistry()
  if (redact) for (const secret of instanceSecrets([spec])) secrets.add(secret)
  const logLines: string[] = []
  const logger = createLogger({ level: 'debug', secrets, write: (line) => logLines.push(line) })
  const parent = mkdtempSync(join(tmpdir(), 'plugin-data-'))
  const abort = new AbortController()
  let running
  try {
    ;[running] = await setUpPlugins([spec], { logger, configDir: configDir ?? parent, dataDir: parent, signal: abort.signal })
  } catch (error) {
    await rm(parent, { recursive: true, force: true })
    throw error
  }
  return {
    instance: callable(running!.instance, definition.name),
    logLines,
    dataDir: join(parent, id),
    abort,
    remove: () => rm(parent, { recursive: true, force: true }),
  }
}

function callable(instance: PluginInstance, name: string): HarnessInstance {
  return Object.assign(Object.create(instance) as PluginInstance, {
    deliver(event: GatewayEvent): Promise<void> {
      if (!instance.deliver) throw new Error(`plugin ${name} has no deliver()`)
      return instance.deliver(event)
    },
    async decide(event: GatewayEvent, ctx: Partial<DecideContext> & { budgetMs?: number } = {}): Promise<Decision> {
      if (!instance.decide) throw new Error(`plugin ${name} has no decide()`)
      const budgetMs = ctx.budgetMs ?? 1500
      return instance.decide(event, { signal: ctx.signal ?? AbortSignal.timeout(budgetMs), deadline: ctx.deadline ?? Date.now() + budgetMs })
    },
  })
}

let counter = 0
/** A destroy-room event as the dispatcher hands it to `deliver`. */
export function sampleEvent(overrides: Partial<GatewayEvent> = {}): GatewayEvent {
  counter++
  return {
    id: `0190f000-0000-7000-8000-${String(counter).padStart(12, '0')}`,
    command: 'Live.CallbackAfterDestroyRoom',
    sdkAppId: '1400000000',
    receivedAt: new Date('2026-11-26T10:00:00.000Z').toISOString(),
    clientIp: '127.0.0.1',
    optPlatform: 'RESTAPI',
    attempt: 1,
    payload: {
      CallbackCommand: 'Live.CallbackAfterDestroyRoom',
      Operator_Account: 'admin',
      RoomId: 'tandy-test-rest',
      EventType: 'DestroyByUser',
      EventTime: 1703589922780,
    },
    ...overrides,
  }
}

/** The error `promise` rejects with; fails the test if it resolves. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected deliver to throw')
}

/**
 * Cleanups a test registers (sinks to close, folders to remove), run after each test, newest
 * first. Call once at the top level of a test file.
 */
export function cleanupAfterEach(): Array<() => Promise<unknown>> {
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  return cleanups
}
