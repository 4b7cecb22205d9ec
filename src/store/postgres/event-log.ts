/**
 * The PostgreSQL store's read side for operators (src/store/event-log.ts), for the whole
 * cluster: events newest first by seq with filters, the id search through gateway_event_terms
 * (an exact match on an index), one event by its indexed id with its deliveries and attempts,
 * and the callbacks and outcomes per minute from the received_at and attempt time indexes.
 */
import {
  commandLike,
  decodeCursor,
  emptyMinutes,
  type ActivityMinute,
  type DeliverySummary,
  type EventDetail,
  type EventPage,
  type EventQuery,
} from '../event-log.ts'
import { deliverySummaryFromRow, eventDetailFromRows, eventSummaryFromRow } from '../rows.ts'
import type { Sql } from './connect.ts'

type Row = Record<string, unknown>

export async function listEvents(sql: Sql, query: EventQuery): Promise<EventPage> {
  const before = decodeCursor(query.cursor)
  const command = query.command
  // Only the filters given become SQL: a generic "(x IS NULL OR …)" for each hides the term index
  // from the planner, which then walks the whole table (about 220 ms over 1,000,000 events).
  const where = [sql`TRUE`]
  if (before !== undefined) where.push(sql`e.seq < ${before}`)
  if (command !== undefined) where.push(command.includes('*') ? sql`e.command LIKE ${commandLike(command)}` : sql`e.command = ${command}`)
  if (query.sdkAppIds !== undefined) where.push(sql`e.sdk_app_id = ANY(${query.sdkAppIds}::text[])`)
  if (query.since !== undefined) where.push(sql`e.received_at >= ${query.since}`)
  if (query.until !== undefined) where.push(sql`e.received_at < ${query.until}`)
  if (query.status !== undefined) where.push(sql`EXISTS (SELECT 1 FROM gateway_deliveries d WHERE d.event_seq = e.seq AND d.status = ${query.status})`)
  if (query.q !== undefined) where.push(sql`e.seq IN (SELECT t.event_seq FROM gateway_event_terms t WHERE t.term = ${query.q})`)
  const conditions = where.reduce((all, next) => sql`${all} AND ${next}`)
  const rows = await sql<Row[]>`
    SELECT e.seq, e.id, e.command, e.sdk_app_id, e.received_at, e.decision FROM gateway_events e
    WHERE ${conditions}
    ORDER BY e.seq DESC LIMIT ${query.limit + 1}`
  const more = rows.length > query.limit
  const page = rows.slice(0, query.limit)
  const seqs = page.map((row) => String(row.seq))
  const deliveries = new Map<string, DeliverySummary[]>()
  if (seqs.length) {
    const found = await sql<Row[]>`
      SELECT id, event_seq, plugin, status, attempts FROM gateway_deliveries WHERE event_seq = ANY(${seqs}::int8[]) ORDER BY id`
    for (const row of found) {
      const key = String(row.event_seq)
      let list = deliveries.get(key)
      if (!list) deliveries.set(key, (list = []))
      list.push(deliverySummaryFromRow(row))
    }
  }
  return {
    events: page.map((row) => eventSummaryFromRow(row, deliveries.get(String(row.seq)) ?? [])),
    next: more ? String(page[page.length - 1]!.seq) : undefined,
  }
}

export async function getEvent(sql: Sql, id: string): Promise<EventDetail | undefined> {
  // A UUIDv7's first 48 bits are its event's receivedAt (src/ingress/event-id.ts): the
  // received_at index finds it. Any other id (none this gateway makes) is looked for everywhere.
  const at = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id) ? parseInt(id.slice(0, 8) + id.slice(9, 13), 16) : null
  const [row] = await sql<Row[]>`
    SELECT * FROM gateway_events WHERE ${at === null ? sql`TRUE` : sql`received_at = ${at}`} AND id = ${id} ORDER BY seq DESC LIMIT 1`
  if (!row) return undefined
  const deliveries = await sql<Row[]>`SELECT * FROM gateway_deliveries WHERE event_seq = ${String(row.seq)}::int8 ORDER BY id`
  const ids = deliveries.map((d) => String(d.id))
  const attempts = ids.length ? await sql<Row[]>`SELECT * FROM gateway_attempts WHERE delivery_id = ANY(${ids}::int8[]) ORDER BY at, ctid` : []
  return eventDetailFromRows(row, deliveries, attempts)
}

export async function activity(sql: Sql, since: number): Promise<ActivityMinute[]> {
  const minutes = emptyMinutes(since, Date.now())
  const byMinute = new Map(minutes.map((m) => [m.minute, m]))
  const callbacks = await sql<Row[]>`
    SELECT (received_at / 60000) * 60000 AS minute, count(*) AS n FROM gateway_events WHERE received_at >= ${since} GROUP BY 1`
  for (const row of callbacks) {
    const minute = byMinute.get(Number(row.minute))
    if (minute) minute.callbacks = Number(row.n)
  }
  const outcomes = await sql<Row[]>`
    SELECT (at / 60000) * 60000 AS minute, outcome, count(*) AS n FROM gateway_attempts WHERE at >= ${since} GROUP BY 1, 2`
  for (const row of outcomes) {
    const minute = byMinute.get(Number(row.minute))
    const outcome = row.outcome as 'done' | 'retry' | 'dead'
    if (minute && outcome in minute) minute[outcome] = Number(row.n)
  }
  return minutes
}
