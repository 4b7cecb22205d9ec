/**
 * Store rows to the store interface's objects. Both stores select the same column names (with
 * `event_id` for the event's id), so one mapping serves SQLite and PostgreSQL, whose drivers
 * return numbers and int8-as-text respectively.
 */
import type { ClaimedDelivery, DeadLetter, QueueStats } from './store.ts'

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
