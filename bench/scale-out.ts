/**
 * S6 scale-out: three gateway instances sharing one PostgreSQL store against one instance on
 * SQLite, both under the S1 setup (Sign checked, routed to file-logger and http-sync with a
 * fast receiver). Both are loaded the same way: three autocannon processes at once, each with a
 * third of the connections (one per instance for the cluster, all on the one SQLite instance).
 * After the load, the time until every acknowledged event reached the receiver, and how many
 * arrived twice. Run alone with `bun bench/scale-out.ts`; `npm run bench` runs it as S6.
 *
 * PostgreSQL: GATEWAY_BENCH_PG_URL, else GATEWAY_TEST_PG_URL, else the local server. Unreachable:
 * S6 is reported as skipped, with the reason.
 */
import postgres from 'postgres'
import { CONNECTIONS, load, s1Config, spawnWithPort, stop, type Child, type Load } from './lib.ts'

const PG_URL = process.env.GATEWAY_BENCH_PG_URL || process.env.GATEWAY_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/test'
const LISTENING = /"url":"http:\/\/[^:]+:(\d+)/
const LOADERS = 3

export interface ScaleOutSide {
  instances: number
  rps: number
  p50: number
  p99: number
  acknowledged: number
  missing: number
  duplicates: number
  drainSeconds: number
}
export type ScaleOut = { skipped: string } | { sqlite: ScaleOutSide; postgres: ScaleOutSide; ratio: number }

async function receiverCounts(port: number): Promise<{ count: number; unique: number }> {
  return (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { count: number; unique: number }
}

/** Starts `instances` gateways on `store`, loads them with LOADERS loaders at once, waits for the drain. */
async function side(instances: number, store: string): Promise<ScaleOutSide> {
  const receiver = await spawnWithPort([process.execPath, 'bench/receiver.ts'], /"port":(\d+)/)
  const gateways: Array<{ child: Child; port: number }> = []
  try {
    for (let i = 0; i < instances; i++)
      gateways.push(await spawnWithPort([process.execPath, 'src/main.ts', '--config', s1Config(receiver.port, undefined, store)], LISTENING))
    const per = Math.max(1, Math.round(CONNECTIONS / LOADERS))
    const loads: Load[] = await Promise.all(
      Array.from({ length: LOADERS }, (_, i) => load(gateways[i % gateways.length]!.port, { connections: per, idPrefix: `l${i}` })),
    )
    const loadEnded = performance.now()
    const acknowledged = loads.reduce((sum, l) => sum + l.total - l.non2xx, 0)
    let counts = await receiverCounts(receiver.port)
    while (counts.unique < acknowledged && performance.now() - loadEnded < 180_000) {
      await Bun.sleep(100)
      counts = await receiverCounts(receiver.port)
    }
    return {
      instances,
      rps: loads.reduce((sum, l) => sum + l.rps, 0),
      p50: Math.max(...loads.map((l) => l.p50)),
      p99: Math.max(...loads.map((l) => l.p99)),
      acknowledged,
      missing: Math.max(0, acknowledged - counts.unique),
      duplicates: counts.count - counts.unique,
      drainSeconds: (performance.now() - loadEnded) / 1000,
    }
  } finally {
    for (const g of gateways) await stop(g.child)
    await stop(receiver.child)
  }
}

export async function scaleOut(): Promise<ScaleOut> {
  const schema = `gw_bench_${Date.now().toString(36)}`
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`SELECT 1`
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {})
    return { skipped: `PostgreSQL unreachable (${(error as Error).message})` }
  }
  try {
    const url = new URL(PG_URL)
    url.searchParams.set('search_path', schema)
    const sqlite = await side(1, 'store: { path: ./data/gateway.db, sync: full }')
    const pg = await side(3, `store: { url: "${url}" }`)
    return { sqlite, postgres: pg, ratio: pg.rps / sqlite.rps }
  } finally {
    await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`.catch(() => {})
    await sql.end({ timeout: 1 })
  }
}

export function describeScaleOut(result: ScaleOut): string {
  if ('skipped' in result) return `S6 scale-out: skipped: ${result.skipped}`
  const line = (name: string, s: ScaleOutSide) =>
    `| ${name} | ${Math.round(s.rps)} | ${s.p50} | ${s.p99} | ${s.acknowledged} | ${s.missing} | ${s.duplicates} | ${s.drainSeconds.toFixed(1)} |`
  return [
    '| S6 scale-out | req/s | p50 ms | p99 ms | acknowledged | missing | duplicates | drain s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    line('1 instance, SQLite', result.sqlite),
    line('3 instances, PostgreSQL', result.postgres),
    '',
    `S6 ratio, 3 instances on PostgreSQL ÷ 1 on SQLite: ${result.ratio.toFixed(2)}`,
  ].join('\n')
}

if (import.meta.main) {
  const result = await scaleOut()
  console.log(describeScaleOut(result))
  console.log(JSON.stringify({ s6: result }))
}
