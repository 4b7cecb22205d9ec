/**
 * The read side of the store for operators (the admin API, `events list`, `events show`): events
 * newest first with filters and an id search, one event with every delivery attempt, and the
 * callbacks and outcomes of each recent minute. Both stores implement it (docs/design.md §10).
 */
import type { DeliveryStatus } from './store.ts'

/** What one delivery attempt came to. `interrupted` attempts (shutdown) are not recorded. */
export type AttemptOutcome = 'done' | 'retry' | 'dead'

/** When an attempt started (Unix ms) and how long the plugin took (ms), passed with its outcome. */
export interface AttemptTiming {
  at: number
  ms: number
}

export interface EventQuery {
  /** A command, or a pattern with `*` (`Live.*`). */
  command?: string
  /** Only events of these SdkAppids (an app name is resolved by the caller). */
  sdkAppIds?: string[]
  /** Only events with at least one delivery in this status. */
  status?: DeliveryStatus
  /** Received at or after (Unix ms). */
  since?: number
  /** Received before (Unix ms). */
  until?: number
  /** A value that occurs anywhere in the payload (an id: room, group, user, message key), exactly. */
  q?: string
  /** The page after this cursor (the `next` of the page before). */
  cursor?: string
  /** Events per page, 1 to 500. */
  limit: number
}

export interface DeliverySummary {
  id: number
  plugin: string
  status: DeliveryStatus
  attempts: number
}

export interface EventSummary {
  id: string
  command: string
  sdkAppId: string
  /** Unix ms. */
  receivedAt: number
  /** A Before callback's recorded decision, as stored (JSON text, exact digits). */
  decision?: string
  deliveries: DeliverySummary[]
}

export interface EventPage {
  events: EventSummary[]
  /** Pass as `cursor` for the next (older) page; absent on the last page. */
  next?: string
}

export interface AttemptRecord {
  /** Unix ms when the attempt started. */
  at: number
  ms: number
  outcome: AttemptOutcome
  error?: string
}

export interface DeliveryDetail extends DeliverySummary {
  /** Unix ms: when a pending delivery is due next. */
  nextAt: number
  firstError?: string
  lastError?: string
  /** Unix ms of the last change. */
  updatedAt: number
  /** Every recorded attempt, oldest first. */
  history: AttemptRecord[]
}

export interface EventDetail extends Omit<EventSummary, 'deliveries'> {
  clientIp?: string
  optPlatform?: string
  /** The body exactly as received. */
  body: string
  deliveries: DeliveryDetail[]
}

/** One minute of activity: callbacks stored, and delivery attempts by outcome. */
export interface ActivityMinute {
  /** Unix ms of the minute's start. */
  minute: number
  callbacks: number
  done: number
  retry: number
  dead: number
}

export interface EventLog {
  listEvents(query: EventQuery): Promise<EventPage>
  /** By event id; undefined when there is none (or it was pruned). */
  getEvent(id: string): Promise<EventDetail | undefined>
  /** Minutes from `since` (Unix ms) to now, oldest first, each present even when empty. */
  activity(since: number): Promise<ActivityMinute[]>
}

/** `Live.*` → a LIKE pattern (`Live.%`), escaping LIKE's own wildcards with `\`. */
export function commandLike(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%')
}

/** Cursors are the store's own event order (a number), opaque to callers. */
export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return undefined
  if (!/^[0-9]{1,18}$/.test(cursor)) throw new RangeError('cursor is not one this gateway gave out')
  return Number(cursor)
}

/** The minutes from `since` to `now` (Unix ms), each with zero counts. */
export function emptyMinutes(since: number, now: number): ActivityMinute[] {
  const out: ActivityMinute[] = []
  for (let m = Math.floor(since / 60_000) * 60_000; m <= now; m += 60_000) out.push({ minute: m, callbacks: 0, done: 0, retry: 0, dead: 0 })
  return out
}
