/**
 * The SQLite store's read side for operators (src/store/event-log.ts): events newest first by
 * rowid with filters, the id search through `event_search` (search-index.ts) plus a scan of the
 * events not indexed yet, and one event with its deliveries and attempts.
 */
import type { DatabaseSync } from 'node:sqlite'
import { commandLike, decodeCursor, type DeliverySummary, type EventDetail, type EventPage, type EventQuery } from '../event-log.ts'
import { deliverySummaryFromRow, eventDetailFromRows, eventSummaryFromRow } from '../rows.ts'
import { bodyHasTerm, searchToken } from '../search-terms.ts'
import type { DeliveryStatus } from '../store.ts'

type Row = Record<string, unknown>

/** Index matches read per step of a search. */
const STEP = 500
/** Rows (a range of seqs) scanned per step of the events the index does not cover yet. */
const TAIL_STEP = 2000
const turn = () => new Promise((resolve) => setImmediate(resolve))
/**
 * Events are stored in arrival order, so `received_at` grows with `seq`, except that a Before
 * callback is stored when it is decided: up to its budget (1,900 ms at most) plus 25 ms after it
 * arrived. A time bound widened by this much is safe to turn into a rowid bound.
 */
const ORDER_SLACK_MS = 2_000

export class SqliteEventLog {
  #db: DatabaseSync
  /** The highest seq the search index covers (events above it are scanned). */
  #indexedSeq: () => number

  constructor(db: DatabaseSync, indexedSeq: () => number) {
    this.#db = db
    this.#indexedSeq = indexedSeq
  }

  async listEvents(query: EventQuery): Promise<EventPage> {
    const before = decodeCursor(query.cursor) ?? Number.MAX_SAFE_INTEGER
    const where: string[] = ['e.seq < ?']
    const params: Array<string | number> = [before]
    if (query.command !== undefined) {
      if (query.command.includes('*')) {
        where.push("e.command LIKE ? ESCAPE '\\'")
        params.push(commandLike(query.command))
      } else {
        where.push('e.command = ?')
        params.push(query.command)
      }
    }
    if (query.sdkAppIds !== undefined) {
      where.push(`e.sdk_app_id IN (${query.sdkAppIds.map(() => '?').join(', ') || 'NULL'})`)
      params.push(...query.sdkAppIds)
    }
    // Time bounds become rowid bounds too (found by binary search), so a narrow window of a
    // large store reads only its own rows.
    if (query.since !== undefined) {
      where.push('e.seq >= ? AND e.received_at >= ?')
      params.push(this.#seqAtOrAfter(query.since - ORDER_SLACK_MS), query.since)
    }
    if (query.until !== undefined) {
      where.push('e.seq < ? AND e.received_at < ?')
      params.push(this.#seqAtOrAfter(query.until + ORDER_SLACK_MS), query.until)
    }
    if (query.status !== undefined) {
      // Pending and dead rows have partial indexes; done is most rows, checked per event.
      where.push(
        query.status === 'done'
          ? "EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq AND d.status = 'done')"
          : `e.seq IN (SELECT event_seq FROM deliveries WHERE status = '${query.status satisfies Exclude<DeliveryStatus, 'done'>}')`,
      )
    }
    const rows = query.q === undefined ? this.#page(where, params, query.limit + 1) : await this.#search(query.q, where, params, query.limit + 1, before)
    const more = rows.length > query.limit
    const page = rows.slice(0, query.limit)
    const deliveries = this.#deliveries(page.map((row) => Number(row.seq)))
    return {
      events: page.map((row) => eventSummaryFromRow(row, deliveries.get(Number(row.seq)) ?? [])),
      next: more ? String(page[page.length - 1]!.seq) : undefined,
    }
  }

  #page(where: string[], params: Array<string | number>, limit: number): Row[] {
    const sql = `SELECT e.seq, e.id, e.command, e.sdk_app_id, e.received_at, e.decision FROM events e WHERE ${where.join(' AND ')} ORDER BY e.seq DESC LIMIT ?`
    return this.#db.prepare(sql).all(...params, limit) as Row[]
  }

  /**
   * Events whose payload holds `q` as a value, newest first: first the events the index does not
   * cover yet (scanned), then the index. A step at a time, with a turn of the event loop between
   * steps, so a search that must read much (a value most events hold, filtered away by the other
   * conditions; a store not indexed yet) never holds up the answers to Tencent. Every candidate's
   * body is confirmed (bodyHasTerm), so the index and the scan's prefilter only narrow.
   */
  async #search(q: string, where: string[], params: Array<string | number>, limit: number, before: number): Promise<Row[]> {
    const out: Row[] = []
    const indexed = this.#indexedSeq()
    const columns = 'e.seq, e.id, e.command, e.sdk_app_id, e.received_at, e.decision, e.body'
    const filters = where.join(' AND ')
    const keep = (rows: Row[]) => {
      for (const row of rows) if (out.length < limit && bodyHasTerm(String(row.body), q)) out.push(row)
    }
    // The scan's prefilter: the longest run of letters and digits in q, which JSON writes as they
    // are (other characters may arrive escaped: \u00e9, \/).
    const run = (q.match(/[A-Za-z0-9]+/g) ?? []).reduce((a, b) => (b.length > a.length ? b : a), '')
    const prefilter = run.length >= 3 ? ' AND instr(e.body, ?) > 0' : ''
    const tail = this.#db.prepare(`SELECT ${columns} FROM events e WHERE ${filters} AND e.seq > ? AND e.seq < ?${prefilter} ORDER BY e.seq DESC`)
    const top = Number((this.#db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM events').get() as Row).seq)
    for (let hi = Math.min(before, top + 1); hi > indexed + 1 && out.length < limit; hi -= TAIL_STEP) {
      keep(tail.all(...params, Math.max(indexed, hi - TAIL_STEP - 1), hi, ...(prefilter ? [run] : [])) as Row[])
      await turn()
    }
    const match = `"${searchToken(q)}"`
    const matches = this.#db.prepare('SELECT rowid FROM event_search WHERE event_search MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?')
    const candidates = this.#db.prepare(
      `SELECT ${columns} FROM events e WHERE ${filters} AND e.seq <= ? AND e.seq IN (SELECT rowid FROM event_search WHERE event_search MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?) ORDER BY e.seq DESC`,
    )
    let upper = Math.min(before, indexed + 1)
    while (out.length < limit) {
      const ids = matches.all(match, upper, STEP) as Row[]
      if (ids.length === 0) break
      keep(candidates.all(...params, indexed, match, upper, STEP) as Row[])
      upper = Number(ids[ids.length - 1]!.rowid)
      if (ids.length < STEP) break
      await turn()
    }
    return out
  }

  #deliveries(seqs: number[]): Map<number, DeliverySummary[]> {
    const out = new Map<number, DeliverySummary[]>()
    if (seqs.length === 0) return out
    const rows = this.#db
      .prepare(`SELECT id, event_seq, plugin, status, attempts FROM deliveries WHERE event_seq IN (${seqs.map(() => '?').join(', ')}) ORDER BY id`)
      .all(...seqs) as Row[]
    for (const row of rows) {
      const seq = Number(row.event_seq)
      let list = out.get(seq)
      if (!list) out.set(seq, (list = []))
      list.push(deliverySummaryFromRow(row))
    }
    return out
  }

  /** The lowest seq whose event was received at or after `time` (one past the last when none). */
  #seqAtOrAfter(time: number): number {
    const next = this.#db.prepare('SELECT seq, received_at FROM events WHERE seq >= ? ORDER BY seq LIMIT 1')
    const top = this.#db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM events').get() as Row
    let lo = 0
    let hi = Number(top.seq) + 1
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2)
      const row = next.get(mid) as Row | undefined
      if (!row || Number(row.received_at) >= time) hi = mid
      else lo = Number(row.seq) + 1
    }
    return lo
  }

  /**
   * An event id is a UUIDv7 whose first 48 bits are its receivedAt (src/ingress/event-id.ts), so
   * the event lies among the rows received within ORDER_SLACK_MS of it: no index on `id` is
   * written for every callback to find one.
   */
  getEvent(id: string): EventDetail | undefined {
    const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)
    const at = v7 ? parseInt(id.slice(0, 8) + id.slice(9, 13), 16) : 0
    // Any other id (none this gateway makes) is looked for in the whole table.
    const [from, to] = v7 ? [this.#seqAtOrAfter(at - ORDER_SLACK_MS), this.#seqAtOrAfter(at + ORDER_SLACK_MS)] : [0, Number.MAX_SAFE_INTEGER]
    const row = this.#db.prepare('SELECT * FROM events WHERE seq >= ? AND seq < ? AND id = ?').get(from, to, id) as Row | undefined
    if (!row) return undefined
    const deliveries = this.#db.prepare('SELECT * FROM deliveries WHERE event_seq = ? ORDER BY id').all(Number(row.seq)) as Row[]
    const attempts = deliveries.length
      ? (this.#db
          .prepare(`SELECT * FROM attempts WHERE delivery_id IN (${deliveries.map(() => '?').join(', ')}) ORDER BY at, rowid`)
          .all(...deliveries.map((d) => Number(d.id))) as Row[])
      : []
    return eventDetailFromRows(row, deliveries, attempts)
  }
}
