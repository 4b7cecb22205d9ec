import type { AttemptTiming, EventLog } from './event-log.ts'

/**
 * The store interface: where a callback becomes durable, and where each plugin
 * instance's queue lives. SQLite implements it for one machine; a PostgreSQL store can
 * sit behind the same interface for several. Every method is async for that reason.
 */

/** A callback accepted at ingress, with the plugin instances its routes chose. */
export interface NewEvent {
  id: string
  command: string
  sdkAppId: string
  /** Unix ms. */
  receivedAt: number
  clientIp?: string
  optPlatform?: string
  /** The JSON body as received (BOM removed): the exact digits of big integers survive. */
  body: string
  /** One delivery row is created per target. */
  targets: string[]
  /** Same key within the store's dedup window: answered OK, not stored or delivered again. */
  dedupKey?: string
  /**
   * Before callbacks: the decision as answered (a RecordedDecision as JSON, exact digits kept).
   * Kept with the event, handed to deliveries, and given back by recallDecision for the dedup key.
   */
  decision?: string
  /**
   * Unix ms by which the write must commit, or be withdrawn (append rejects): a decided callback
   * whose answer already went out as the fallback must not be stored with another decision. A
   * write already committing when the deadline passes may still land.
   */
  deadline?: number
}

/** `duplicate`: an event with the same dedup key was stored within the window. */
export type AppendResult = 'stored' | 'duplicate'

/** A delivery due now, claimed for this process until completed, retried or dead-lettered. */
export interface ClaimedDelivery {
  id: number
  plugin: string
  /** Attempts already made (0 on the first). */
  attempts: number
  event: Omit<NewEvent, 'targets' | 'dedupKey'>
}

export interface DeadLetter {
  id: number
  plugin: string
  eventId: string
  command: string
  attempts: number
  firstError?: string
  lastError?: string
  /** Unix ms when it became a dead letter. */
  deadAt: number
  receivedAt: number
}

/** A delivery's row status; `pending` includes retries and deliveries in flight. */
export type DeliveryStatus = 'pending' | 'done' | 'dead'

/** Which dead letters a replay or purge takes: one by id, or all (of one plugin instance). */
export interface DeadLetterSelector {
  id?: number
  plugin?: string
}

export interface QueueStats {
  plugin: string
  pending: number
  dead: number
  /** Unix ms of the oldest pending delivery's event. */
  oldestPendingAt?: number
  /** Deliveries claimed by some instance right now (PostgreSQL: live leases). */
  inFlight?: number
}

export interface ClaimOptions {
  now: number
  limit: number
  /** Only the oldest pending delivery, and only when it is due: keeps arrival order. */
  ordered?: boolean
  /**
   * The instance's concurrency. A shared store counts every instance's live claims against it,
   * so the limit holds across the cluster.
   */
  concurrency?: number
  /**
   * Read the whole queue: work may have become due that this process did not hand itself (a
   * retry's time came, the heartbeat looks for another process's writes). Without it the
   * SQLite store may answer from the deliveries it just wrote.
   */
  sweep?: boolean
}

export interface DeliveryStore extends EventLog {
  readonly kind: string
  /**
   * True when other processes claim from the same queues (PostgreSQL): the dispatcher then
   * claims only what it can start now, instead of prefetching.
   */
  readonly shared?: boolean
  /** True once the store cannot acknowledge anything until a restart (an fsync failed). */
  readonly failed: boolean
  /** Durable when the promise resolves; rejects with StoreUnavailableError when not stored. */
  append(event: NewEvent): Promise<AppendResult>
  /**
   * The decision stored with an event of this dedup key within the dedup window, if any: a
   * repeated Before callback is answered from it without asking the decider again. Waits for a
   * first copy that is still committing. Undefined when dedup is off, the key is unknown or
   * outside the window, or its event carries no decision.
   */
  recallDecision(dedupKey: string, receivedAt: number): Promise<string | undefined>
  /** Due deliveries for one plugin instance, not already claimed. */
  claimDue(plugin: string, options: ClaimOptions): Promise<ClaimedDelivery[]>
  /** The earliest future due time of a pending delivery, if any. */
  nextDueAt(plugin: string, after: number): Promise<number | undefined>
  /** Each outcome also records the attempt (`timing`: when it started and how long it took; now and 0 without). */
  complete(id: number, timing?: AttemptTiming): Promise<void>
  retry(id: number, nextAt: number, error: string, timing?: AttemptTiming): Promise<void>
  /** Dead-letter now (attempts exhausted, or a permanent error). */
  bury(id: number, error: string, timing?: AttemptTiming): Promise<void>
  /** Gives a claim back untouched (shutdown before the attempt started). */
  release(id: number): Promise<void>
  listDead(plugin?: string): Promise<DeadLetter[]>
  /** Moves dead letters back to pending with a fresh attempt budget; returns how many. */
  replayDead(selector: DeadLetterSelector): Promise<number>
  purgeDead(selector: DeadLetterSelector): Promise<number>
  /** One delivery's instance and status, read only: lets `dlq replay ID` say why nothing matched. */
  findDelivery(id: number): Promise<{ plugin: string; status: DeliveryStatus } | undefined>
  stats(): Promise<QueueStats[]>
  /** Deletes done deliveries and finished events received before `before` (Unix ms). */
  prune(before: number): Promise<number>
  /** Called with the plugin ids that got new work, after each commit. */
  onAppended(listener: (plugins: Set<string>) => void): void
  /** Called when a claim ends (its outcome committed, or released): an ordered queue may be waiting on exactly that head. */
  onReleased(listener: (plugin: string) => void): void
  close(): Promise<void>
}
