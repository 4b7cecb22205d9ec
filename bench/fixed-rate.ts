/**
 * S7 fixed-rate cost: what a callback costs at the rates users run, not at saturation. The
 * open-loop generator (bench/open-loop.ts: a timetable fixed before the first send, latency from
 * each request's slot, Bun fetch over keep-alive) offers distinct signed destroy-room callbacks
 * (a unique RoomId each, as S1) at fixed rates to each setup in turn, each server its own process,
 * started fresh for every row:
 *
 *   bare        bare Elysia (bench/baselines/bare-elysia.ts): every row is divided by it, at the same rate
 *   ingest      the gateway (Sign checked, SQLite `sync: full`) with no routes: ingest alone
 *   file-logger the gateway routing to file-logger only
 *   http-sync   the gateway routing to http-sync only, to bench/receiver.ts (fast, keep-alive)
 *   both        both sinks: the S1 setup
 *
 * Each server first gets BENCH_WARMUP_SECONDS (default 1, 0 for none) of the same load, not counted,
 * so a row measures a process that has compiled its hot code, as a gateway running for days has.
 * CPU per callback is the server's utime + stime (/proc/<pid>/stat, every thread), from before the
 * measured load until it is drained (the log's lines and the receiver's count reached the callbacks answered
 * 200), over the answers. RSS is VmRSS (/proc/<pid>/status) once drained.
 *
 * "max" is the highest rate the machine sustains with the S1 setup, found before the rows by
 * probes of BENCH_PROBE_SECONDS (default 3) against bare Elysia and the S1 gateway, each kept
 * running across the probes: from 2,000/s up by ×1.25 (or down, if 2,000/s already fails) while
 * the gateway keeps up. Keeping up: every callback answered 200, a p99 at most 10× bare Elysia's
 * at that rate, and every delivery done within 500 ms of the last answer (deliveries not falling
 * behind). The last rate that passed is "max"; each row says whether it kept up too.
 *
 *   npx bun bench/fixed-rate.ts      BENCH_RATES (default 500,2000,max; numbers or max),
 *                                    BENCH_SECONDS per row (default 5), BENCH_PROBE_SECONDS (default 3),
 *                                    BENCH_WARMUP_SECONDS (default 1)
 *
 * `npm run bench` runs it as S7.
 */
import { dirname, join } from 'node:path'
import { s1Config, signedQuery, spawnWithPort, stop, type Child } from './lib.ts'
import { runOpenLoop, type OpenLoopResult } from './open-loop.ts'
import { cpuMs, lineCounter, rssMb } from './proc.ts'

export const S7_SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const PROBE_SECONDS = Number(process.env.BENCH_PROBE_SECONDS ?? 3)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1)
const RATES = (process.env.BENCH_RATES ?? '500,2000,max').split(',').map((r) => r.trim())
const START_RATE = 2000
const STEP = 1.25
const P99_LIMIT = 10
const DRAIN_LIMIT_MS = 500
const BUN = process.execPath
const PORT_LINE = /"port":(\d+)/
const LISTENING = /"url":"http:\/\/[^:]+:(\d+)/
const DESTROY = 'Live.CallbackAfterDestroyRoom'

export const SETUPS = {
  bare: { name: 'bare Elysia', routes: null },
  ingest: { name: 'gateway, no routes (ingest alone)', routes: '[]' },
  fileLogger: { name: 'gateway, file-logger only', routes: `[{ match: ${DESTROY}, to: [audit-log] }]` },
  httpSync: { name: 'gateway, http-sync only', routes: `[{ match: ${DESTROY}, to: [crm] }]` },
  both: { name: 'gateway, both (S1)', routes: `[{ match: ${DESTROY}, to: [audit-log, crm] }]` },
} as const
export type Setup = keyof typeof SETUPS

export interface FixedRateRow {
  setup: Setup
  name: string
  rate: number
  answers: number
  non200: number
  /** Errors and requests never answered. */
  lost: number
  /** Server CPU per answered callback, µs, load start to drained (null off Linux), and ÷ bare Elysia's at the same rate. */
  cpuUsPerCallback: number | null
  cpuVsBare: number | null
  p50: number
  p99: number
  max: number
  p99VsBare: number
  /** Kept up with the rate, by the test that finds "max". */
  keptUp: boolean
  rssMb: number | null
  /** From the generator's last answer until every delivery was done, ms. */
  drainMs: number
  load: OpenLoopResult
}
export interface Probe {
  rate: number
  bareP99: number
  p99: number
  non200: number
  lost: number
  drainMs: number
  pass: boolean
}
export interface FixedRate {
  seconds: number
  rates: number[]
  /** The highest rate the S1 setup sustained in the probes (null when "max" was not asked for). */
  maxRate: number | null
  probes: Probe[]
  rows: FixedRateRow[]
}

interface Server {
  child: Child
  port: number
  receiver?: { child: Child; port: number }
  /** Deliveries done so far, per sink the setup routes to: the smallest count. */
  delivered: () => Promise<number>
}

async function startServer(setup: Setup): Promise<Server> {
  const { routes } = SETUPS[setup]
  if (routes === null) {
    const bare = await spawnWithPort([BUN, 'bench/baselines/bare-elysia.ts'], PORT_LINE)
    return { ...bare, delivered: async () => Infinity }
  }
  // Every gateway row has the receiver and both plugins configured; only the routes differ.
  const receiver = await spawnWithPort([BUN, 'bench/receiver.ts'], PORT_LINE)
  const config = s1Config(receiver.port, routes)
  const gateway = await spawnWithPort([BUN, 'src/main.ts', '--config', config], LISTENING).catch(async (error) => {
    await stop(receiver.child)
    throw error
  })
  const logLines = lineCounter(join(dirname(config), 'logs/callbacks.jsonl'))
  const received = async () => ((await (await fetch(`http://127.0.0.1:${receiver.port}/`)).json()) as { unique: number }).unique
  const delivered = async () => Math.min(routes.includes('audit-log') ? logLines() : Infinity, routes.includes('crm') ? await received() : Infinity)
  return { ...gateway, receiver, delivered }
}

async function stopServer(server: Server): Promise<void> {
  await stop(server.child)
  if (server.receiver) await stop(server.receiver.child)
}

interface Measured {
  load: OpenLoopResult
  cpuMs: number
  drainMs: number
}

/** Offers `rate` for `seconds`, then waits (up to 60 s) until every callback answered 200 was delivered. */
async function offer(server: Server, rate: number, seconds: number): Promise<Measured> {
  const deliveredBefore = await server.delivered()
  const cpuBefore = cpuMs(server.child.pid)
  const load = await runOpenLoop({ url: `http://127.0.0.1:${server.port}/callback?${signedQuery()}`, rate, seconds, body: 'destroy-room' })
  const loadEnded = performance.now()
  const target = deliveredBefore + load.answered - load.non200
  while ((await server.delivered()) < target && performance.now() - loadEnded < 60_000) await Bun.sleep(10)
  const drainMs = performance.now() - loadEnded
  return { load, cpuMs: cpuMs(server.child.pid) - cpuBefore, drainMs }
}

const lost = (load: OpenLoopResult) => load.errors + load.unanswered
/** Whether a gateway kept up with the rate (see the header); `bareP99` is bare Elysia's at the same rate. */
const keptUp = (load: OpenLoopResult, drainMs: number, bareP99: number) =>
  load.non200 === 0 && lost(load) === 0 && load.p99 <= P99_LIMIT * Math.max(bareP99, 1) && drainMs <= DRAIN_LIMIT_MS
const progress = (text: string) => console.error(`bench: ${text}`)

/** Steps the rate from START_RATE while the S1 gateway keeps up (see the header). */
async function findMaxRate(probes: Probe[]): Promise<number> {
  const bare = await startServer('bare')
  const gateway = await startServer('both').catch(async (error) => {
    await stopServer(bare)
    throw error
  })
  try {
    const probe = async (rate: number): Promise<boolean> => {
      progress(`S7 probe at ${rate}/s`)
      const base = await offer(bare, rate, PROBE_SECONDS)
      const { load, drainMs } = await offer(gateway, rate, PROBE_SECONDS)
      const pass = keptUp(load, drainMs, base.load.p99)
      probes.push({ rate, bareP99: base.load.p99, p99: load.p99, non200: load.non200, lost: lost(load), drainMs: Math.round(drainMs), pass })
      return pass
    }
    const round = (rate: number) => Math.round(rate / 100) * 100
    if (await probe(START_RATE)) {
      let rate = START_RATE
      while (rate < 50_000 && (await probe(round(rate * STEP)))) rate = round(rate * STEP)
      return rate
    }
    let rate = round(START_RATE / STEP)
    while (rate > 100 && !(await probe(rate))) rate = round(rate / STEP)
    return rate
  } finally {
    await stopServer(gateway)
    await stopServer(bare)
  }
}

async function row(setup: Setup, rate: number, seconds: number): Promise<Omit<FixedRateRow, 'cpuVsBare' | 'p99VsBare' | 'keptUp'>> {
  progress(`S7 ${rate}/s: ${SETUPS[setup].name}`)
  const server = await startServer(setup)
  try {
    if (WARMUP_SECONDS > 0) await offer(server, rate, WARMUP_SECONDS)
    const { load, cpuMs: used, drainMs } = await offer(server, rate, seconds)
    return {
      setup,
      name: SETUPS[setup].name,
      rate,
      answers: load.answered,
      non200: load.non200,
      lost: lost(load),
      cpuUsPerCallback: Number.isNaN(used) ? null : (used * 1000) / Math.max(load.answered, 1),
      p50: load.p50,
      p99: load.p99,
      max: load.max,
      rssMb: rssMb(server.child.pid),
      drainMs: Math.round(drainMs),
      load,
    }
  } finally {
    await stopServer(server)
  }
}

export async function fixedRate(): Promise<FixedRate> {
  const probes: Probe[] = []
  let maxRate: number | null = null
  const rates: number[] = []
  for (const r of RATES) {
    if (r === 'max') rates.push((maxRate = await findMaxRate(probes)))
    else rates.push(Number(r))
  }
  const distinct = [...new Set(rates)].sort((a, b) => a - b)
  const rows: FixedRateRow[] = []
  for (const rate of distinct) {
    const bare = await row('bare', rate, S7_SECONDS)
    for (const setup of Object.keys(SETUPS) as Setup[]) {
      const measured = setup === 'bare' ? bare : await row(setup, rate, S7_SECONDS)
      const cpuVsBare = measured.cpuUsPerCallback === null || !bare.cpuUsPerCallback ? null : measured.cpuUsPerCallback / bare.cpuUsPerCallback
      rows.push({ ...measured, cpuVsBare, p99VsBare: measured.p99 / bare.p99, keptUp: keptUp(measured.load, measured.drainMs, bare.p99) })
    }
  }
  return { seconds: S7_SECONDS, rates: distinct, maxRate, probes, rows }
}

const fixed = (x: number | null, digits: number) => (x === null ? 'n/a' : x.toFixed(digits))

export function describeFixedRate(result: FixedRate): string {
  const lines = [
    `S7 fixed-rate cost: distinct signed destroy-room callbacks offered open loop for ${result.seconds} s per row, ${navigator.hardwareConcurrency} cores`,
    '',
    '| rate /s | setup | CPU µs per callback | ÷ bare Elysia | p50 ms | p99 ms | max ms | p99 ÷ bare | RSS MB | answers | non-200 / lost | drain ms | kept up |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...result.rows.map(
      (r) =>
        `| ${r.rate} | ${r.name} | ${fixed(r.cpuUsPerCallback, 0)} | ${fixed(r.cpuVsBare, 2)} | ${r.p50} | ${r.p99} | ${r.max} | ${r.p99VsBare.toFixed(2)} | ` +
        `${fixed(r.rssMb, 0)} | ${r.answers} | ${r.non200} / ${r.lost} | ${r.setup === 'bare' || r.setup === 'ingest' ? '' : r.drainMs} | ${r.setup === 'bare' ? '' : r.keptUp ? 'yes' : 'no'} |`,
    ),
  ]
  if (result.maxRate !== null) {
    const probes = result.probes.map((p) => `${p.rate}/s ${p.pass ? 'kept up' : 'fell behind'} (p99 ${p.p99} ms, bare ${p.bareP99}; drain ${p.drainMs} ms)`)
    lines.push(
      '',
      `S7 max: ${result.maxRate}/s, the highest rate at which the S1 gateway answered every callback 200 within ${P99_LIMIT}× bare Elysia's p99 ` +
        `and drained within ${DRAIN_LIMIT_MS} ms, in ${PROBE_SECONDS}-s probes: ${probes.join('; ')}`,
    )
  }
  const late = result.rows.map((r) => r.load.sendLateMax)
  lines.push(`S7 generator: sends late against their slot by at most ${Math.max(...late)} ms`)
  return lines.join('\n')
}

/** The ratios `npm run bench` checks against issue 15's targets: at 2,000/s, NaN (null in JSON) when that rate was not run. */
export function fixedRateRatios(result: FixedRate): Record<'s7S1CpuVsBare' | 's7IngestCpuVsBare' | 's7S1P99VsBare', number> {
  const at = (setup: Setup) => result.rows.find((r) => r.rate === 2000 && r.setup === setup)
  return { s7S1CpuVsBare: at('both')?.cpuVsBare ?? NaN, s7IngestCpuVsBare: at('ingest')?.cpuVsBare ?? NaN, s7S1P99VsBare: at('both')?.p99VsBare ?? NaN }
}

if (import.meta.main) {
  const started = performance.now()
  const result = await fixedRate()
  console.log(describeFixedRate(result))
  console.log(`S7 took ${((performance.now() - started) / 1000).toFixed(0)} s`)
  console.log(JSON.stringify({ s7: result }))
}
