/**
 * A real SqliteStore on a temp file and a real Dispatcher, with a heartbeat far longer than any
 * test: a delivery that only the heartbeat would pick up shows as stuck (commit 5bb00d0 says every
 * in-process wake-up is explicit: an append, a retry's time, a claim given back, held outcomes
 * landing).
 */
import { join } from 'node:path'
import { Dispatcher, type DispatcherOptions, type LaneSpec } from '../../../src/delivery/dispatcher.ts'
import { silentLogger } from '../../../src/log.ts'
import type { GatewayEvent } from '../../../src/plugin.ts'
import { SqliteStore } from '../../../src/store/sqlite/store.ts'
import type { DeliveryStore, NewEvent } from '../../../src/store/store.ts'
import { tempDir } from '../../helpers/gateway.ts'

export const LONG_HEARTBEAT = 120_000

let n = 0
export function event(targets: string[], receivedAt = Date.now(), extra: Partial<NewEvent> = {}): NewEvent {
  n++
  return {
    id: `evt-${n}`,
    command: 'Live.CallbackAfterDestroyRoom',
    sdkAppId: '1',
    receivedAt,
    body: JSON.stringify({ RoomId: `r${n}`, n }),
    targets,
    ...extra,
  }
}

export function newStore(path = join(tempDir('wakeups-'), 'g.db'), options: Partial<ConstructorParameters<typeof SqliteStore>[0]> = {}): SqliteStore {
  return new SqliteStore({ path, sync: 'normal', serve: true, ...options })
}

export type Deliver = (event: GatewayEvent) => Promise<void>

export function spec(id: string, deliver: Deliver, { concurrency = 4, maxAttempts = 50, initialDelayMs = 1, maxDelayMs = 50 } = {}): LaneSpec {
  return { id, concurrency, retry: { maxAttempts, initialDelayMs, maxDelayMs }, instance: { deliver } } as unknown as LaneSpec
}

export function dispatcher(store: DeliveryStore, lanes: LaneSpec[], options: Partial<DispatcherOptions> = {}): Dispatcher {
  return new Dispatcher(store, lanes, { logger: silentLogger, heartbeatMs: LONG_HEARTBEAT, ...options })
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (check()) return true
    await sleep(10)
  }
  return check()
}

/** Pending rows of `plugin` straight from the file (another connection). */
export async function pending(store: DeliveryStore, plugin: string): Promise<number> {
  return (await store.stats()).find((s) => s.plugin === plugin)?.pending ?? 0
}
