/**
 * Sets up a plugin definition the way the host does (options defaulted and checked),
 * for plugin unit tests that need no config file or server.
 */
import { afterEach } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import type { GatewayEvent, PluginDefinition, PluginInstance, TSchema } from '../../src/plugin.ts'
import { createLogger, SecretRegistry, type Logger } from '../../src/log.ts'

export interface HarnessResult {
  instance: PluginInstance
  /** Every log line the instance wrote, as raw text. */
  logLines: string[]
  dataDir: string
  abort: AbortController
}

export async function setupPlugin<S extends TSchema>(
  definition: PluginDefinition<S>,
  rawOptions: unknown,
  { id = 'test-instance', configDir }: { id?: string; configDir?: string } = {},
): Promise<HarnessResult> {
  let options: unknown = rawOptions ?? {}
  if (definition.options) {
    options = Value.Default(definition.options, structuredClone(options))
    const errors = [...Value.Errors(definition.options, options)]
    if (errors.length) throw new Error(errors.map((e) => `${e.path}: ${e.message}`).join('\n'))
  }
  const secrets = new SecretRegistry()
  for (const key of definition.secretOptions ?? []) secrets.add((options as Record<string, unknown>)[key])
  const logLines: string[] = []
  const logger: Logger = createLogger({ level: 'debug', secrets, write: (line) => logLines.push(line) }, { plugin: id })
  const dataDir = mkdtempSync(join(tmpdir(), 'plugin-data-'))
  const abort = new AbortController()
  const instance = await definition.setup({
    id,
    options: options as never,
    logger,
    dataDir,
    configDir: configDir ?? dataDir,
    signal: abort.signal,
  })
  return { instance, logLines, dataDir, abort }
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
