/**
 * S8 decisions: Before callbacks answered through a decider, at a fixed offered rate, by the
 * open-loop generator (bench/open-loop.ts: latency from each request's slot, so no coordinated
 * omission). Every request is a distinct `Live.CallbackBeforeSendGift`, signed. Rows, each server
 * its own process, one after another in the same run:
 *
 *   floor      the generator against bare Elysia, which answers at once: the generator's own floor
 *   direct     the decision service (bench/decision-service.ts, answers after 5 ms) called directly:
 *              what an app that answers Tencent itself would see; the rows below are divided by it
 *   http       the gateway (SQLite, sync full) with `decide: check`, http-decide → that service
 *   rules      the gateway with `decide: limit`, the rules plugin (gift size, a 2,000-word list, a rate limit)
 *   hung       the gateway with http-decide → a service that never answers; budgetMs 1500 (default),
 *              onFailure deny: every answer should be the fallback (ErrorCode 1) within 1500 + 50 ms
 *   slow       the gateway with http-decide → a service that answers after 400 ms: more decisions in
 *              flight (rate × 0.4 s) than Bun lets fetch have at once (256) unless
 *              BUN_CONFIG_MAX_HTTP_REQUESTS says otherwise (the gateway is run with its default)
 *
 * Gateway routes also deliver to file-logger (`to: [audit]`). CPU per callback is the gateway's
 * (or the server's) utime + stime from /proc/<pid>/stat, from before the load until the audit log
 * holds every answered callback, over the answers. For gateway rows, the gateway's own time per
 * callback (its log lines' `ms`) sits beside the generator's, so the difference is what lies outside
 * the gateway: late sends, the request waiting to be read, the answer's way back. Run alone with `bun bench/decisions.ts`;
 * `npm run bench` runs it as S8. BENCH_RATE (default 1000/s), BENCH_SECONDS (default 10).
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { computeSign } from '../src/tencent/signature.ts'
import { AUDIT_LOG, GIFT, httpDecideConfig, rulesConfig } from './decision-configs.ts'
import { spawnLoggedGateway } from './gateway-log.ts'
import { SECONDS, spawnWithPort, stop, TOKEN, type Child } from './lib.ts'
import { BANNED_EVERY, HUGE_EVERY, MAX_IN_FLIGHT, percentile, runOpenLoop, type OpenLoopResult } from './open-loop.ts'

export const RATE = Number(process.env.BENCH_RATE ?? 1000)
const BUDGET_MS = 1500
const SLOW_MS = 400
const LIMIT_MS = BUDGET_MS + 50
const BUN = process.execPath
const PORT_LINE = /"port":(\d+)/

export interface DecisionRow {
  name: string
  load: OpenLoopResult
  /** CPU (utime + stime) of the server process per answered callback, ms, and its stime part (null off Linux). */
  cpuMsPerCallback: number | null
  systemMsPerCallback: number | null
  /** Requests that reached the decision service (rows that have one), and the most it held open at once. */
  serviceCalls?: number
  serviceMaxOpen?: number
  /** The gateway's own time per callback, from its log lines (reading the request to the answer), ms. */
  gatewayMs?: { p50: number; p99: number; max: number }
  /** The gateway's gateway_decisions_total, by `action/source`. */
  decisions?: Record<string, number>
  budgetOverruns?: number
}
export interface Decisions {
  rate: number
  seconds: number
  rows: Record<'floor' | 'direct' | 'http' | 'rules' | 'hung' | 'slow', DecisionRow>
  /** p50 and p99 of each row ÷ the direct row's. */
  ratios: Record<keyof Decisions['rows'], { p50: number; p99: number }>
}

/** utime and stime of `pid` in ms (clock ticks of 10 ms); NaN off Linux. */
function cpuMs(pid: number): { user: number; system: number } {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 }
  } catch {
    return { user: NaN, system: NaN }
  }
}

function giftQuery(): string {
  const requestTime = String(Math.floor(Date.now() / 1000))
  return new URLSearchParams({
    SdkAppid: '1400000000',
    CallbackCommand: GIFT,
    contenttype: 'json',
    ClientIP: '127.0.0.1',
    OptPlatform: 'iOS',
    Sign: computeSign(TOKEN, requestTime),
    RequestTime: requestTime,
  }).toString()
}

function lineCount(path: string): number {
  try {
    const text = readFileSync(path, 'utf8')
    let n = 0
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
    return n
  } catch {
    return 0
  }
}

/** gateway_decisions_total by `action/source`, and the budget overruns, from /metrics. */
async function decisionMetrics(port: number): Promise<{ decisions: Record<string, number>; budgetOverruns: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  const decisions: Record<string, number> = {}
  let budgetOverruns = 0
  for (const line of text.split('\n')) {
    const m = /^gateway_decisions_total\{[^}]*action="(\w+)"[^}]*source="(\w+)"[^}]*\} (\d+)/.exec(line)
    if (m) decisions[`${m[1]}/${m[2]}`] = (decisions[`${m[1]}/${m[2]}`] ?? 0) + Number(m[3])
    const o = /^gateway_decision_budget_overruns_total\{[^}]*\} (\d+)/.exec(line)
    if (o) budgetOverruns += Number(o[1])
  }
  return { decisions, budgetOverruns }
}

const serviceCounts = async (port: number) => (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { count: number; maxOpen: number }

/** Loads `server` and measures its CPU; for a gateway, waits until its audit log holds every answer. */
async function measure(name: string, server: { child: Child; port: number }, auditLog?: string): Promise<DecisionRow> {
  const before = cpuMs(server.child.pid)
  const load = await runOpenLoop({ url: `http://127.0.0.1:${server.port}/callback?${giftQuery()}`, rate: RATE, seconds: SECONDS, limitMs: LIMIT_MS })
  const answered = load.answered - load.non200
  if (auditLog) {
    const waitStarted = performance.now()
    while (lineCount(auditLog) < answered && performance.now() - waitStarted < 60_000) await Bun.sleep(100)
  }
  const after = cpuMs(server.child.pid)
  const per = (ms: number) => (Number.isNaN(ms) ? null : ms / Math.max(load.answered, 1))
  const row: DecisionRow = {
    name,
    load,
    cpuMsPerCallback: per(after.user + after.system - before.user - before.system),
    systemMsPerCallback: per(after.system - before.system),
  }
  return auditLog ? { ...row, ...(await decisionMetrics(server.port)) } : row
}

async function gatewayRow(name: string, config: string, servicePort?: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<DecisionRow> {
  const gateway = await spawnLoggedGateway(config)
  try {
    const calls = servicePort === undefined ? 0 : (await serviceCounts(servicePort)).count
    const measured = await measure(name, gateway, join(dirname(config), AUDIT_LOG))
    const own = Float64Array.from(gateway.callbackMs()).sort()
    const row = { ...measured, gatewayMs: { p50: percentile(own, 0.5), p99: percentile(own, 0.99), max: own[own.length - 1] ?? NaN } }
    if (servicePort === undefined) return row
    const after = await serviceCounts(servicePort)
    return { ...row, serviceCalls: after.count - calls, serviceMaxOpen: after.maxOpen }
  } finally {
    await stop(gateway.child, signal)
  }
}

const progress = (text: string) => console.error(`bench: ${text}`)

export async function decisions(): Promise<Decisions> {
  progress('S8 generator floor: bare Elysia')
  const bare = await spawnWithPort([BUN, 'bench/baselines/bare-elysia.ts'], PORT_LINE)
  const floor = await measure('generator floor: bare Elysia, answers at once', bare).finally(() => stop(bare.child))

  const service = await spawnWithPort([BUN, 'bench/decision-service.ts'], PORT_LINE)
  let direct: DecisionRow, http: DecisionRow
  try {
    progress('S8 decision service called directly')
    direct = await measure('1 decision service called directly (answers after 5 ms)', service)
    direct.serviceCalls = (await serviceCounts(service.port)).count
    progress('S8 gateway, http-decide → decision service')
    http = await gatewayRow('2 gateway, http-decide → decision service', httpDecideConfig(service.port), service.port)
  } finally {
    await stop(service.child)
  }

  progress('S8 gateway, rules')
  const rules = await gatewayRow('3 gateway, rules (size, word list, rate limit)', rulesConfig())

  progress('S8 gateway, http-decide → hung service')
  const hungService = await spawnWithPort([BUN, 'bench/decision-service.ts'], PORT_LINE, { HANG: '1' })
  // SIGKILL, as S2: nothing is left to drain, and the service still holds the aborted requests' sockets.
  const hung = await gatewayRow(
    `4 gateway, http-decide → hung service (budget ${BUDGET_MS} ms)`,
    httpDecideConfig(hungService.port),
    hungService.port,
    'SIGKILL',
  ).finally(() => stop(hungService.child, 'SIGKILL'))

  progress(`S8 gateway, http-decide → service answering after ${SLOW_MS} ms`)
  const slowService = await spawnWithPort([BUN, 'bench/decision-service.ts'], PORT_LINE, { DELAY_MS: String(SLOW_MS) })
  const slow = await gatewayRow(`5 gateway, http-decide → service answering after ${SLOW_MS} ms`, httpDecideConfig(slowService.port), slowService.port).finally(
    () => stop(slowService.child),
  )

  const rows = { floor, direct, http, rules, hung, slow }
  const ratio = (row: DecisionRow) => ({ p50: row.load.p50 / direct.load.p50, p99: row.load.p99 / direct.load.p99 })
  const ratios = Object.fromEntries(Object.entries(rows).map(([key, row]) => [key, ratio(row)])) as Decisions['ratios']
  return { rate: RATE, seconds: SECONDS, rows, ratios }
}

const codes = (c: Record<string, number>) =>
  Object.entries(c)
    .sort(([, a], [, b]) => b - a)
    .map(([code, n]) => `${code}: ${n}`)
    .join(', ')

export function describeDecisions(result: Decisions): string {
  const { rows, ratios } = result
  const cpu = (row: DecisionRow) => (row.cpuMsPerCallback === null ? 'n/a' : `${row.cpuMsPerCallback.toFixed(3)} (sys ${row.systemMsPerCallback!.toFixed(3)})`)
  const line = (key: keyof Decisions['rows']) => {
    const { name, load } = rows[key]
    const r = ratios[key]
    const own = rows[key].gatewayMs
    const gatewayMs = own ? `${own.p50} / ${own.p99} / ${own.max}` : ''
    return `| ${name} | ${load.answered} | ${load.non200 + load.errors + load.unanswered} | ${load.p50} | ${load.p99} | ${load.max} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${gatewayMs} | ${cpu(rows[key])} | ${load.sendLateMax} | ${codes(load.codes)} |`
  }
  const hung = rows.hung
  const generator = Object.values(rows).map((row) => row.load)
  return [
    `S8 decisions: ${result.rate} gifts/s offered for ${result.seconds} s, open loop (latency from each request's slot); every ${BANNED_EVERY}th gift is banned by the word list, every ${HUGE_EVERY}th is huge`,
    '',
    '| S8 row | answers | non-200 or lost | p50 ms | p99 ms | max ms | p50 ÷ row 1 | p99 ÷ row 1 | gateway log p50 / p99 / max ms | server CPU ms per callback (of it system) | sends late, max ms | answers by ErrorCode |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...(['floor', 'direct', 'http', 'rules', 'hung', 'slow'] as const).map(line),
    '',
    `S8 hung decider: max ${hung.load.max} ms, ${hung.load.overLimit} answers over ${hung.load.limitMs} ms, ` +
      `${hung.load.codes['1'] ?? 0} of ${hung.load.answered} answered ErrorCode 1; gateway decisions ${codes(hung.decisions ?? {})}, ` +
      `${hung.budgetOverruns ?? 0} budget overruns; ${hung.serviceCalls ?? 0} requests reached the service; ` +
      `${hung.load.maxInFlight} callbacks in flight at the peak (generator limit ${MAX_IN_FLIGHT}), at most ${hung.serviceMaxOpen ?? 0} open at the service at once`,
    `S8 slow decider (${SLOW_MS} ms): decisions ${codes(rows.slow.decisions ?? {})}; at most ${rows.slow.serviceMaxOpen ?? 0} requests open at the service at once`,
    `S8 generator: sends late against their slot by at most ${Math.max(...generator.map((l) => l.sendLateMax))} ms (p99 ${Math.max(...generator.map((l) => l.sendLateP99))} ms), ` +
      `${Math.min(...generator.map((l) => l.cpuMsPerRequest)).toFixed(3)}–${Math.max(...generator.map((l) => l.cpuMsPerRequest)).toFixed(3)} ms CPU per request`,
  ].join('\n')
}

if (import.meta.main) {
  const result = await decisions()
  console.log(describeDecisions(result))
  console.log(JSON.stringify({ s7: result }))
}
