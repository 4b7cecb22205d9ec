/**
 * Several gateway processes sharing one PostgreSQL store act as one (issue: scale out):
 * - three instances, 3,000 callbacks spread over them: every one reaches the http-sync
 *   receiver, none twice;
 * - one of three SIGKILLed mid-run: every callback any instance answered OK is delivered,
 *   including those the dead instance had claimed (its leases expire and the others take over);
 * - the same payload sent to two instances is delivered once.
 */
import { afterAll, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir, tencentQuery, until } from '../helpers/gateway.ts'
import { describePg, freshPgUrl, rawSql } from '../helpers/postgres.ts'
import { startServer, type ServerProcess } from '../helpers/process.ts'
import { startSink, type RecordedRequest } from '../helpers/sinks.ts'

const servers: ServerProcess[] = []
afterAll(async () => {
  for (const s of servers) s.kill('SIGKILL')
  await Promise.all(servers.map((s) => s.exited))
})

function clusterConfig(url: string, sinkUrl: string, extra = ''): string {
  const path = join(tempDir('pg-cluster-'), 'config.yaml')
  writeFileSync(
    path,
    `server: { port: 0, hostname: 127.0.0.1 }
tencent: { sdkAppId: 1400000000 }
store: { url: "${url}", leaseSeconds: 2 }
plugins:
  crm:
    use: http-sync
    options: { url: "${sinkUrl}/sync", timeoutMs: 10000 }
    concurrency: 8
    retry: { maxAttempts: 50, initialDelayMs: 20, maxDelayMs: 500 }
routes: [{ match: Live.CallbackAfterDestroyRoom, to: [crm] }]
${extra}`,
  )
  return path
}

async function startCluster(configPath: string, count = 3): Promise<ServerProcess[]> {
  const started = await Promise.all(Array.from({ length: count }, () => startServer(configPath)))
  servers.push(...started)
  return started
}

const roomOf = (request: RecordedRequest) => String(request.json().payload.RoomId)
const destroyBody = (room: string, i: number) =>
  JSON.stringify({ CallbackCommand: 'Live.CallbackAfterDestroyRoom', RoomId: room, EventType: 'DestroyByUser', EventTime: 1700000000000 + i })

/** Sends `total` distinct callbacks, `inFlight` at a time, round-robin over `targets()`; returns the acknowledged RoomIds. */
async function spread(total: number, targets: () => ServerProcess[], inFlight = 32, onAnswer?: (answered: number) => void): Promise<Set<string>> {
  const acknowledged = new Set<string>()
  const query = tencentQuery()
  let next = 0
  let answered = 0
  async function worker() {
    while (next < total) {
      const i = next++
      const live = targets()
      const server = live[i % live.length]!
      const room = `room-${i}`
      try {
        const response = await fetch(`${server.url}?${query}`, { method: 'POST', body: destroyBody(room, i) })
        if (response.status === 200 && (await response.text()).includes('"OK"')) acknowledged.add(room)
      } catch {
        // The instance was killed under this request: not acknowledged, not owed.
      }
      onAnswer?.(++answered)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  return acknowledged
}

function tally(requests: RecordedRequest[]): { unique: Set<string>; duplicates: number } {
  const unique = new Set(requests.map(roomOf))
  return { unique, duplicates: requests.length - unique.size }
}

describePg('three instances on one PostgreSQL store', () => {
  it('deliver 3,000 callbacks spread over them, each exactly once', async () => {
    const sink = startSink()
    try {
      const cluster = await startCluster(clusterConfig(freshPgUrl('three'), sink.url))
      const acknowledged = await spread(3000, () => cluster)
      expect(acknowledged.size).toBe(3000)
      await until(() => tally(sink.requests).unique.size >= 3000, 60_000, 'all 3,000 at the receiver')
      // Let any straggler (a second delivery) arrive before counting.
      await Bun.sleep(500)
      const { unique, duplicates } = tally(sink.requests)
      console.log(`three instances: ${unique.size} delivered, ${duplicates} duplicates`)
      expect(unique.size).toBe(3000)
      expect(duplicates).toBe(0)
    } finally {
      await sink.close()
    }
  }, 120_000)

  it('lose nothing acknowledged when one is SIGKILLed mid-run; the others take over its leases', async () => {
    // A slow receiver keeps deliveries in flight (leased), so the kill strands some claims.
    const sink = startSink(async () => {
      await Bun.sleep(20)
      return new Response('ok')
    })
    try {
      const url = freshPgUrl('killed')
      const cluster = await startCluster(clusterConfig(url, sink.url))
      let live = cluster
      let killedAt = -1
      const acknowledged = await spread(
        3000,
        () => live,
        32,
        (answered) => {
          if (answered === 1000 && killedAt < 0) {
            killedAt = sink.requests.length
            cluster[0]!.kill('SIGKILL')
            live = cluster.slice(1)
          }
        },
      )
      expect(killedAt).toBeGreaterThanOrEqual(0)
      // Requests racing the kill may fail; everything else was answered OK by someone.
      expect(acknowledged.size).toBeGreaterThan(2900)
      await until(
        () => {
          // One pass over the requests per check: the sink runs in this process and must keep answering.
          const { unique } = tally(sink.requests)
          return [...acknowledged].every((room) => unique.has(room))
        },
        60_000,
        'every acknowledged callback at the receiver',
      ).catch(async (error) => {
        const sql = rawSql(url)
        const rows =
          await sql`SELECT status, lease_owner IS NOT NULL AS leased, count(*)::int AS n, min(lease_until) AS lease_min, max(attempts) AS attempts, max(last_error) AS error FROM gateway_deliveries WHERE status <> 'done' GROUP BY 1, 2`
        const events = await sql`SELECT count(*)::int AS n FROM gateway_events`
        console.log('owners', JSON.stringify(await sql`SELECT lease_owner, count(*)::int FROM gateway_deliveries WHERE lease_owner IS NOT NULL GROUP BY 1`))
        console.log(
          'activity',
          JSON.stringify(
            await sql`SELECT pid, state, wait_event_type, wait_event, left(query, 120) AS q, now() - xact_start AS xact FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          ),
        )
        await sql.end()
        console.log(
          'store at timeout:',
          JSON.stringify(rows),
          'events',
          JSON.stringify(events),
          'now',
          Date.now(),
          'missing',
          [...acknowledged].filter((room) => !tally(sink.requests).unique.has(room)).slice(0, 5),
        )
        for (const server of cluster.slice(1)) {
          const text = await (await fetch(server.url.replace('/callback', '/metrics'))).text()
          console.log(
            'metrics',
            server.port,
            text
              .split('\n')
              .filter((l) => /in_flight|deliveries_total|busy/.test(l) && !l.startsWith('#'))
              .join(' | '),
          )
        }
        for (const server of cluster)
          console.log(
            server
              .output()
              .split('\n')
              .filter((line) => /warn|error/.test(line))
              .slice(-5)
              .join('\n'),
          )
        throw error
      })
      const { unique, duplicates } = tally(sink.requests)
      const missing = [...acknowledged].filter((room) => !unique.has(room))
      console.log(`killed instance: ${acknowledged.size} acknowledged, ${missing.length} missing, ${duplicates} duplicates (deliveries in flight at the kill)`)
      expect(missing).toEqual([])
    } finally {
      await sink.close()
    }
  }, 120_000)

  it('deliver the same payload sent to two instances once', async () => {
    const sink = startSink()
    try {
      const [a, b] = await startCluster(clusterConfig(freshPgUrl('dedup'), sink.url), 2)
      const query = tencentQuery()
      const body = destroyBody('room-twice', 1)
      // At the same moment, and again a little later, at both instances.
      const answers = await Promise.all([a!, b!, a!, b!].map((s) => fetch(`${s.url}?${query}`, { method: 'POST', body })))
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200])
      expect((await fetch(`${b!.url}?${query}`, { method: 'POST', body })).status).toBe(200)
      await sink.waitFor(1, 5000)
      await Bun.sleep(1000)
      expect(sink.requests.map(roomOf)).toEqual(['room-twice'])
    } finally {
      await sink.close()
    }
  }, 60_000)
})
