/**
 * createAdminApp(): the operator console and its JSON API (docs/design.md §10), an Elysia app
 * that never listens itself; gateway/serve.ts serves it on `admin.port`, never on the callback
 * port. Every /api request needs the bearer token (auth.ts); the console's page and its script
 * are static and hold no data, so they are served to anyone who can reach the port.
 */
import { Value } from '@sinclair/typebox/value'
import type { TSchema } from '@sinclair/typebox'
import { Elysia } from 'elysia'
import type { Logger } from '../log.ts'
import type { ActivityMinute } from '../store/event-log.ts'
import type { DeliveryStore } from '../store/store.ts'
import { isLoopback } from '../config/admin.ts'
import { bearerCheck } from './auth.ts'
import { consoleAsset } from './console-assets.ts'
import { json, problem } from './json.ts'
import { iso, parseTime, renderDetail, renderSummary, sdkAppIdsOf } from './render.ts'
import { openApiDocument } from './openapi.ts'
import { DeadLettersQuery, DeadLetterSelection, EventsQuery } from './schemas.ts'

export interface AdminDeps {
  store: DeliveryStore
  /** Empty: no token (allowed on loopback only, config/admin.ts). */
  token: string
  /** admin.hostname: without a token, the only Host besides loopback names that is answered. @default '127.0.0.1' */
  hostname?: string
  /** SdkAppid → app name, from the current config. */
  appNames(): ReadonlyMap<string, string>
  /** Deliveries in flight, per plugin instance. */
  inFlight(): Record<string, number>
  /** Replayed deliveries are due now: wake that instance's lane (every lane without one). */
  wake(plugin?: string): void
  logger: Logger
}

/** The console's page, script and style: static, holding no data, served without the token. */
const PUBLIC_PATHS = new Set(['/', '/console.js', '/console.css'])
const DEFAULT_LIMIT = 50
const MAX_LIMIT = 500
const HOUR_MS = 3_600_000

/**
 * Why a request that a browser sent for another site is refused, or undefined. An `Origin` (sent
 * with every POST and every cross-origin request) must be this server's own host, and
 * `Sec-Fetch-Site` must not say cross-site. Without a token (loopback only), the Host itself must
 * be a loopback name or `hostname`: a rebinding page's requests carry its own name.
 */
function crossSite(request: Request, onlyHost: string | undefined): string | undefined {
  const host = request.headers.get('host') ?? ''
  const origin = request.headers.get('origin')
  if (origin === 'null' || request.headers.get('sec-fetch-site') === 'cross-site') return 'cross-site requests are refused'
  if (origin !== null && (!URL.canParse(origin) || new URL(origin).host !== host)) return 'cross-origin requests are refused'
  if (onlyHost !== undefined) {
    const name = URL.canParse(`http://${host}`) ? new URL(`http://${host}`).hostname : ''
    if (!isLoopback(name) && name !== onlyHost) return `without admin.token this console answers only at ${onlyHost} or a loopback address`
  }
  return undefined
}

/** The first problem of `value` against `schema`, as `name: message`, or undefined. */
function invalid(schema: TSchema, value: unknown): string | undefined {
  const first = Value.Errors(schema, value).First()
  if (!first) return undefined
  const at = first.path.replace(/^\//, '').replace(/\//g, '.')
  return at ? `${at}: ${first.message}` : first.message
}

export function createAdminApp(deps: AdminDeps) {
  const authorized = bearerCheck(deps.token)
  const { store } = deps

  const appOf = (sdkAppId: string) => deps.appNames().get(sdkAppId)
  const minute = (m: ActivityMinute) => ({ ...m, minute: iso(m.minute) })

  async function listEvents(query: Record<string, string | undefined>): Promise<Response> {
    const why = invalid(EventsQuery, query)
    if (why) return problem(400, why)
    const q = query as EventsQuery
    const since = q.since === undefined ? undefined : parseTime(q.since)
    const until = q.until === undefined ? undefined : parseTime(q.until)
    if (Number.isNaN(since) || Number.isNaN(until)) return problem(400, 'since and until take Unix ms or an ISO 8601 time')
    const limit = q.limit === undefined ? DEFAULT_LIMIT : Number(q.limit)
    if (limit < 1 || limit > MAX_LIMIT) return problem(400, `limit: from 1 to ${MAX_LIMIT}`)
    const sdkAppIds = q.app === undefined ? undefined : sdkAppIdsOf(q.app, deps.appNames())
    if (q.app !== undefined && !sdkAppIds) return problem(400, `app: no app is named ${JSON.stringify(q.app)}`)
    const page = await store.listEvents({ command: q.command, sdkAppIds, status: q.status, since, until, q: q.q, cursor: q.cursor, limit })
    return json(`{"events":[${page.events.map((e) => renderSummary(e, appOf)).join(',')}]${page.next ? `,"next":${JSON.stringify(page.next)}` : ''}}`)
  }

  async function selection(request: Request): Promise<DeadLetterSelection | Response> {
    const text = (await request.text()).trim()
    let body: unknown = {}
    try {
      if (text) body = JSON.parse(text)
    } catch {
      return problem(400, 'the body is not JSON')
    }
    const why = invalid(DeadLetterSelection, body)
    return why ? problem(400, why) : (body as DeadLetterSelection)
  }

  async function replay(selected: DeadLetterSelection): Promise<Response> {
    const replayed = await store.replayDead(selected)
    deps.logger.info('dead letters replayed from the admin API', { ...selected, replayed })
    if (replayed > 0) deps.wake(selected.plugin)
    return json({ replayed })
  }

  return new Elysia()
    .onRequest(function guard({ request }) {
      // Another site's page in the operator's browser: a form or a no-cors fetch posting here
      // (CSRF), or a name it controls resolved to this machine (DNS rebinding). Neither may act.
      const refused = crossSite(request, deps.token === '' ? (deps.hostname ?? '127.0.0.1') : undefined)
      if (refused) return problem(403, refused)
      // Everything but the console's three static files needs the token: a list of what is open,
      // not of what is closed, so no spelling of a path (`//api/…`, an encoded slash) slips past.
      if (!PUBLIC_PATHS.has(new URL(request.url).pathname) && !authorized(request)) {
        return problem(401, 'send Authorization: Bearer <admin.token>')
      }
      if (request.method === 'POST' && !/^application\/json\b/i.test(request.headers.get('content-type') ?? '')) {
        // A cross-site form or no-cors fetch can only send text/plain, urlencoded or multipart.
        return problem(415, 'send the body as content-type: application/json')
      }
    })
    .get('/', () => consoleAsset('index.html'))
    .get('/console.js', () => consoleAsset('console.js'))
    .get('/console.css', () => consoleAsset('console.css'))
    .get('/api/openapi.json', () => json(openApiDocument()))
    .get('/api/events', function apiEvents({ query }) {
      return listEvents(query)
    })
    .get('/api/events/:id', async function apiEvent({ params }) {
      const found = await store.getEvent(params.id)
      return found ? json(renderDetail(found, appOf)) : problem(404, `no event ${params.id} (a wrong id, or pruned by retention)`)
    })
    .get('/api/dead-letters', async function apiDeadLetters({ query }) {
      const why = invalid(DeadLettersQuery, query)
      if (why) return problem(400, why)
      const letters = await store.listDead(query.plugin)
      return json({ deadLetters: letters.map((d) => ({ ...d, deadAt: iso(d.deadAt), receivedAt: iso(d.receivedAt) })) })
    })
    .post(
      '/api/dead-letters/:id/replay',
      async function apiReplayOne({ params }) {
        if (!/^\d{1,15}$/.test(params.id)) return problem(400, 'id: a dead letter id (a number)')
        const id = Number(params.id)
        const found = await store.findDelivery(id)
        if (!found) return problem(404, `no delivery ${id}`)
        if (found.status !== 'dead') return problem(409, `delivery ${id} is ${found.status}, not a dead letter`)
        return replay({ id, plugin: found.plugin })
      },
      { parse: 'none' },
    )
    .post(
      '/api/dead-letters/replay',
      async function apiReplay({ request }) {
        const selected = await selection(request)
        return selected instanceof Response ? selected : replay(selected)
      },
      { parse: 'none' },
    )
    .post(
      '/api/dead-letters/purge',
      async function apiPurge({ request }) {
        const selected = await selection(request)
        if (selected instanceof Response) return selected
        const purged = await store.purgeDead(selected)
        deps.logger.info('dead letters purged from the admin API', { ...selected, purged })
        return json({ purged })
      },
      { parse: 'none' },
    )
    .get('/api/stats', async function apiStats() {
      const inFlight = deps.inFlight()
      const rows = await store.stats()
      const plugins = new Set([...Object.keys(inFlight), ...rows.map((r) => r.plugin)])
      const queues = [...plugins].sort().map((plugin) => {
        const row = rows.find((r) => r.plugin === plugin)
        return {
          plugin,
          pending: row?.pending ?? 0,
          dead: row?.dead ?? 0,
          inFlight: row?.inFlight ?? inFlight[plugin] ?? 0,
          ...(row?.oldestPendingAt !== undefined && { oldestPendingAt: iso(row.oldestPendingAt) }),
        }
      })
      const minutes = await store.activity(Date.now() - HOUR_MS + 60_000)
      return json({ queues, minutes: minutes.map(minute) })
    })
    .onError(function answerError({ code, error }) {
      if (code === 'NOT_FOUND') return problem(404, 'not found')
      deps.logger.error('admin API error', { error })
      return problem(500, 'internal error; see the gateway log')
    })
}

export type AdminApp = ReturnType<typeof createAdminApp>
