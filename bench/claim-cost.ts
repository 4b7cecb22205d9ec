/**
 * What each delivery costs at a fixed offered rate (issue 15 part 2): the gateway (SQLite, sync
 * full) with one file-logger route, loaded by the open-loop generator (bench/open-loop.ts), and
 * the same gateway with no routes beside it. For each rate it reports the gateway's CPU per
 * callback (utime + stime from /proc, from before the load until the audit log holds every
 * answer, over the answers), the store queries per delivery (claims, next-due lookups,
 * commits) and the generator's p50 / p99.
 *
 * The gateway runs inside this file (`gateway` mode), which counts the store's statements by
 * their SQL before it starts src/main.ts, and writes the counts to CLAIM_COUNTS at exit.
 *
 *   bun bench/claim-cost.ts          (BENCH_RATES, default 1000,2000; BENCH_SECONDS, default 8;
 *                                     BENCH_PROFILE=1 leaves a CPU profile in bench/profiles/)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { StatementSync } from 'node:sqlite'
import { REPO, signedQuery, spawnWithPort, stop, writeGatewayConfig } from './lib.ts'
import { runOpenLoop } from './open-loop.ts'

const GIFT = 'Live.CallbackBeforeSendGift'
const AUDIT_LOG = 'logs/audit.jsonl'
type Kind = 'claim' | 'nextDue' | 'outcome' | 'commit'

/** Gateway mode: count statements by kind, then run the gateway as `bun src/main.ts` would. */
async function gateway(): Promise<void> {
  const counts: Record<Kind, number> = { claim: 0, nextDue: 0, outcome: 0, commit: 0 }
  /** Milliseconds on the thread inside each kind's statements. */
  const ms: Record<Kind, number> = { claim: 0, nextDue: 0, outcome: 0, commit: 0 }
  const kinds = new WeakMap<StatementSync, Kind | null>()
  const kindOf = (statement: StatementSync): Kind | null => {
    let kind = kinds.get(statement)
    if (kind !== undefined) return kind
    const sql = statement.sourceSQL
    if (/FROM deliveries d JOIN events e/.test(sql) && sql.includes("d.status = 'pending'")) kind = 'claim'
    else if (sql.includes('MIN(next_at)')) kind = 'nextDue'
    else if (/^UPDATE deliveries/.test(sql.trim())) kind = 'outcome'
    else if (sql === 'COMMIT') kind = 'commit'
    else kind = null
    kinds.set(statement, kind)
    return kind
  }
  const proto = StatementSync.prototype as unknown as Record<'all' | 'get' | 'run', (...args: unknown[]) => unknown>
  for (const method of ['all', 'get', 'run'] as const) {
    const original = proto[method]!
    proto[method] = function (this: StatementSync, ...args: unknown[]) {
      const kind = kindOf(this)
      if (!kind) return original.apply(this, args)
      counts[kind]++
      const started = performance.now()
      try {
        return original.apply(this, args)
      } finally {
        ms[kind] += performance.now() - started
      }
    }
  }
  process.on('exit', () => writeFileSync(process.env.CLAIM_COUNTS!, JSON.stringify({ counts, ms })))
  process.argv.splice(2, 1)
  await import('../src/main.ts')
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

function lines(path: string): number {
  if (!existsSync(path)) return 0
  const text = readFileSync(path, 'utf8')
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return n
}

/** lib.ts's signed query, for the gifts the generator sends. */
function giftQuery(): string {
  const query = new URLSearchParams(signedQuery())
  query.set('CallbackCommand', GIFT)
  return query.toString()
}

async function row(rate: number, seconds: number, routed: boolean, tree = REPO) {
  const plugins = `plugins:\n  audit: { use: file-logger, options: { path: ./${AUDIT_LOG} } }\n`
  const config = writeGatewayConfig(`${plugins}routes: ${routed ? `[{ match: ${GIFT}, to: [audit] }]` : '[]'}\n`)
  const countsFile = join(dirname(config), 'counts.json')
  const profileDir = join(REPO, 'bench/profiles')
  const profile = process.env.BENCH_PROFILE === '1' && routed ? ['--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${profileDir}`] : []
  if (profile.length) mkdirSync(profileDir, { recursive: true })
  const server = await spawnWithPort(
    [process.execPath, ...profile, join(tree, 'bench/claim-cost.ts'), 'gateway', '--config', config],
    /"url":"http:\/\/[^:]+:(\d+)/,
    {
      CLAIM_COUNTS: countsFile,
    },
  )
  try {
    const before = cpuMs(server.child.pid)
    const load = await runOpenLoop({ url: `http://127.0.0.1:${server.port}/callback?${giftQuery()}`, rate, seconds })
    const answered = load.answered - load.non200
    const started = performance.now()
    if (routed) while (lines(join(dirname(config), AUDIT_LOG)) < answered && performance.now() - started < 60_000) await Bun.sleep(20)
    const cpu = cpuMs(server.child.pid) - before
    await stop(server.child)
    const { counts, ms } = JSON.parse(readFileSync(countsFile, 'utf8')) as Record<'counts' | 'ms', Record<Kind, number>>
    const per = (n: number) => (routed ? Math.round((n / Math.max(answered, 1)) * 100) / 100 : '-')
    return {
      tree,
      rate,
      routes: routed ? 'file-logger' : 'none',
      answered,
      lost: load.sent - answered,
      cpuUsPerCallback: Math.round((cpu * 1000) / Math.max(answered, 1)),
      claimsPerDelivery: per(counts.claim),
      nextDuePerDelivery: per(counts.nextDue),
      claimMs: Math.round(ms.claim + ms.nextDue),
      commitsPerCallback: Math.round((counts.commit / Math.max(answered, 1)) * 100) / 100,
      p50: load.p50,
      p99: load.p99,
      max: load.max,
    }
  } finally {
    if (server.child.exitCode === null) await stop(server.child)
  }
}

if (process.argv[2] === 'gateway') await gateway()
else if (import.meta.main) {
  const rates = (process.env.BENCH_RATES ?? '1000,2000').split(',').map(Number)
  const seconds = Number(process.env.BENCH_SECONDS ?? 8)
  // BENCH_TREES: checkouts to compare, run in turn (each with this file at bench/claim-cost.ts).
  const trees = process.env.BENCH_TREES?.split(',') ?? [REPO]
  const rows = []
  for (let repeat = Number(process.env.BENCH_REPEAT ?? 1); repeat > 0; repeat--) {
    for (const rate of rates) {
      for (const routed of process.env.BENCH_ROUTED_ONLY === '1' ? [true] : [false, true]) {
        for (const tree of trees) rows.push(await row(rate, seconds, routed, tree))
      }
    }
  }
  console.log(
    '| tree | rate/s | routes | answered | lost | CPU µs/callback | claims/delivery | next-due/delivery | claim + next-due ms | commits/callback | p50 ms | p99 ms | max ms |',
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const r of rows) {
    console.log(
      `| ${r.tree} | ${r.rate} | ${r.routes} | ${r.answered} | ${r.lost} | ${r.cpuUsPerCallback} | ${r.claimsPerDelivery} | ${r.nextDuePerDelivery} | ${r.claimMs} | ${r.commitsPerCallback} | ${r.p50} | ${r.p99} | ${r.max} |`,
    )
  }
  console.log(JSON.stringify(rows))
}
