/**
 * Store rows to the store interface's objects. Both stores select the same column names (with
 * `event_id` for the event's id), so one mapping serves SQLite and PostgreSQL, whose drivers
 * return numbers and int8-as-text respectively.
 */
import type { AttemptOutcome, DeliverySummary, EventDetail, EventSummary } from './event-log.ts'
import type { ClaimedDelivery, DeadLetter, DeliveryStatus, QueueStats } from './store.ts'

type Row = Record<string, unknown>

/** Error texts kept with a delivery (first_error, last_error) are cut to this many characters. */
const MAX_ERROR_TEXT = 2000

export function clipError(text: string): string {
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text
}

const optional = (value: unknown): string | undefined => (value as string | null) ?? undefined

export function claimedFromRow(row: Row): ClaimedDelivery {
  return {
    id: Number(row.id),
    plugin: String(row.plugin),
    attempts: Number(row.attempts),
    event: {
      id: String(row.event_id),
      command: String(row.command),
      sdkAppId: String(row.sdk_app_id),
      receivedAt: Number(row.received_at),
      clientIp: optional(row.client_ip),
      optPlatform: optional(row.opt_platform),
      body: String(row.body),
      decision: optional(row.decision),
    },
  }
}

export function deadLetterFromRow(row: Row): DeadLetter {
  return {
    id: Number(row.id),
    plugin: String(row.plugin),
    eventId: String(row.event_id),
    command: String(row.command),
    attempts: Number(row.attempts),
    firstError: optional(row.first_error),
    lastError: optional(row.last_error),
    deadAt: Number(row.updated_at),
    receivedAt: Number(row.received_at),
  }
}

/** `leased` is present only where the store knows claims (PostgreSQL). */
export function queueStatsFromRow(row: Row): QueueStats {
  const stats: QueueStats = {
    plugin: String(row.plugin),
    pending: Number(row.pending ?? 0),
    dead: Number(row.dead ?? 0),
    oldestPendingAt: row.oldest == null ? undefined : Number(row.oldest),
  }
  if ('leased' in row) stats.inFlight = Number(row.leased ?? 0)
  return stats
}

export function deliverySummaryFromRow(row: Row): DeliverySummary {
  return { id: Number(row.id), plugin: String(row.plugin), status: row.status as DeliveryStatus, attempts: Number(row.attempts) }
}

/** An events row of a list (no body), with its deliveries. */
export function eventSummaryFromRow(row: Row, deliveries: DeliverySummary[]): EventSummary {
  return {
    id: String(row.id),
    command: String(row.command),
    sdkAppId: String(row.sdk_app_id),
    receivedAt: Number(row.received_at),
    decision: optional(row.decision),
    deliveries,
  }
}

/** One event with its delivery rows and the attempt rows of those (in the order they are to be shown). */
export function eventDetailFromRows(event: Row, deliveries: Row[], attempts: Row[]): EventDetail {
  const { deliveries: _, ...summary } = eventSummaryFromRow(event, [])
  return {
    ...summary,
    clientIp: optional(event.client_ip),
    optPlatform: optional(event.opt_platform),
    body: String(event.body),
    deliveries: deliveries.map((d) => ({
      ...deliverySummaryFromRow(d),
      nextAt: Number(d.next_at),
      firstError: optional(d.first_error),
      lastError: optional(d.last_error),
      updatedAt: Number(d.updated_at),
      history: attempts
        .filter((a) => String(a.delivery_id) === String(d.id))
        .map((a) => ({ at: Number(a.at), ms: Number(a.ms), outcome: a.outcome as AttemptOutcome, error: optional(a.error) })),
    })),
  }
}
