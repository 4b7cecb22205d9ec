/**
 * `npm run bench`: the gateway against bare Elysia and hand-written receivers, each server in
 * its own process, loaded one after another in the same run by autocannon (on Node), with the
 * same signed destroy-room callback (a unique RoomId per request). Prints a markdown table of
 * every figure and its target ratio, then one JSON line. No figure is asserted anywhere.
 *
 *   S1 ack        gateway (Sign checked, stored with sync full, routed to file-logger and http-sync
 *                 with a fast keep-alive target) vs bare Elysia, Fastify and Express receivers
 *   S2 isolation  as S1, but the http-sync target never answers
 *   S3 drain      after S1's load: time until every acknowledged event reached the target
 *   S4 Deno       the gateway on Deno vs bare Elysia on Deno (Deno.serve(app.fetch))
 *   S5 start-up   process start until /readyz answers 200, gateway vs bare Elysia (median of 3)
 *   S6 scale-out  three instances sharing one PostgreSQL store vs one on SQLite (bench/scale-out.ts);
 *                 skipped, with the reason, when PostgreSQL is unreachable
 *   S7 fixed-rate cost  distinct S1 callbacks at fixed offered rates (500/s, 2,000/s, the highest the
 *                 S1 gateway sustains), open loop: CPU µs per callback until drained, latency and RSS of
 *                 bare Elysia, the gateway with no routes, with each sink alone and with both (bench/fixed-rate.ts)
 *   S8 decisions  Before callbacks (gifts) at a fixed offered rate, open loop: the gateway deciding
 *                 with http-decide (a 5 ms service, a hung one, a 400 ms one) and with rules, vs the
 *                 service called directly (bench/decisions.ts)
 *
 *   BENCH_SECONDS (default 10; S7 6) per load, BENCH_CONNECTIONS (default 64), BENCH_RATES (S7, default
 *   500,2000,max), BENCH_PROBE_SECONDS (S7's search for max, default 2), BENCH_RATE (S8, default 1000/s).
 */
import { join } from 'node:path'
import { CONNECTIONS, load, REPO, s1Config, SECONDS, spawnWithPort, stop, type Child, type Load } from './lib.ts'
import { decisions, describeDecisions } from './decisions.ts'
import { describeFixedRate, fixedRate, fixedRateRatios } from './fixed-rate.ts'
import { describeScaleOut, scaleOut } from './scale-out.ts'

const BUN = process.execPath
const DENO = join(REPO, 'node_modules/.bin/deno')
const PORT_LINE = /"port":(\d+)/
const LISTENING = /"url":"http:\/\/[^:]+:(\d+)/

const gatewayConfig = (receiverPort: number) => s1Config(receiverPort)

async function receiverCount(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/`)
  return ((await response.json()) as { unique: number }).unique
}

async function measure(cmd: string[], pattern = PORT_LINE, signal: NodeJS.Signals = 'SIGTERM'): Promise<Load> {
  const server = await spawnWithPort(cmd, pattern)
  try {
    return await load(server.port)
  } finally {
    await stop(server.child, signal)
  }
}

function startReceiver(hang = false): Promise<{ child: Child; port: number }> {
  return spawnWithPort([BUN, 'bench/receiver.ts'], PORT_LINE, { HANG: hang ? '1' : '0' })
}

/** Spawn to first 200 from /readyz, in ms. */
async function startupMs(cmd: string[], pattern: RegExp): Promise<number> {
  const started = performance.now()
  const server = await spawnWithPort(cmd, pattern)
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/readyz`)
      if (response.status === 200) break
    } catch {
      // not accepting yet
    }
    await Bun.sleep(5)
  }
  const ms = performance.now() - started
  await stop(server.child)
  return ms
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const progress = (text: string) => console.error(`bench: ${text}`)

// S1: baselines
progress('S1 bare Elysia (Bun)')
const bare = await measure([BUN, 'bench/baselines/bare-elysia.ts'])
progress('S1 Fastify (Node)')
const fastify = await measure(['node', 'bench/baselines/fastify.cjs'])
progress('S1 Express (Node)')
const express = await measure(['node', 'bench/baselines/express.cjs'])

// S1 gateway, then S3 drain against the same receiver
progress('S1 gateway (Bun) + S3 drain')
const fastReceiver = await startReceiver()
const s1Server = await spawnWithPort([BUN, 'src/main.ts', '--config', gatewayConfig(fastReceiver.port)], LISTENING)
const loadStarted = performance.now()
const gateway = await load(s1Server.port)
const loadEnded = performance.now()
const acknowledged = gateway.total - gateway.non2xx
const atLoadEnd = await receiverCount(fastReceiver.port)
let delivered = atLoadEnd
while (delivered < acknowledged && performance.now() - loadEnded < 120_000) {
  await Bun.sleep(50)
  delivered = await receiverCount(fastReceiver.port)
}
const drainEnded = performance.now()
await stop(s1Server.child)
await stop(fastReceiver.child)
const drain = {
  acknowledged,
  deliveredAtLoadEnd: atLoadEnd,
  delivered,
  missing: Math.max(0, acknowledged - delivered),
  drainSeconds: (drainEnded - loadEnded) / 1000,
  // The drain rate: deliveries made after the load stopped, over the time they took. While
  // callbacks pour in, lanes run one delivery at a time (acknowledgements first), so this is
  // where the dispatcher's throughput shows.
  deliveriesPerSecond: (delivered - atLoadEnd) / Math.max((drainEnded - loadEnded) / 1000, 0.001),
  // For comparison: every acknowledged event over the whole episode, load start to last delivery.
  overallPerSecond: Math.min(delivered, acknowledged) / ((drainEnded - loadStarted) / 1000),
}

// S2: the http-sync target never answers
progress('S2 gateway with a hung sink')
const hungReceiver = await startReceiver(true)
// SIGKILL: a clean stop would wait out its drain time for deliveries the hung target holds.
const isolation = await measure([BUN, 'src/main.ts', '--config', gatewayConfig(hungReceiver.port)], LISTENING, 'SIGKILL')
await stop(hungReceiver.child)

// S4: Deno
progress('S4 bare Elysia (Deno)')
const bareDeno = await measure([DENO, 'run', '-A', 'bench/baselines/bare-elysia.ts'])
progress('S4 gateway (Deno)')
const denoReceiver = await startReceiver()
const gatewayDeno = await measure([DENO, 'run', '-A', 'src/main.ts', '--config', gatewayConfig(denoReceiver.port)], LISTENING)
await stop(denoReceiver.child)

// S5: start-up
progress('S5 start-up')
const startupReceiver = await startReceiver()
const startupGateway: number[] = []
const startupBare: number[] = []
for (let i = 0; i < 3; i++) {
  startupBare.push(await startupMs([BUN, 'bench/baselines/bare-elysia.ts'], PORT_LINE))
  startupGateway.push(await startupMs([BUN, 'src/main.ts', '--config', gatewayConfig(startupReceiver.port)], LISTENING))
}
await stop(startupReceiver.child)

// S6: scale-out on PostgreSQL
progress('S6 three instances on PostgreSQL vs one on SQLite')
const s6 = await scaleOut()

// S7: the cost per callback at fixed offered rates, open loop
const s7 = await fixedRate()

// S8: Before callbacks answered through deciders, open loop at a fixed rate
const s8 = await decisions()

const ratios = {
  s1VsBare: gateway.rps / bare.rps,
  s1VsFastify: gateway.rps / fastify.rps,
  s1P99VsBare: gateway.p99 / Math.max(bare.p99, 1),
  s2VsS1: isolation.rps / gateway.rps,
  s3VsS1: drain.deliveriesPerSecond / gateway.rps,
  s4DenoVsBareDeno: gatewayDeno.rps / bareDeno.rps,
  s5StartupVsBare: median(startupGateway) / median(startupBare),
  ...fixedRateRatios(s7),
}
const targets: Record<keyof typeof ratios, [string, (x: number) => boolean]> = {
  s1VsBare: ['≥ 0.60', (x) => x >= 0.6],
  s1VsFastify: ['≥ 1.0', (x) => x >= 1],
  s1P99VsBare: ['≤ 3', (x) => x <= 3],
  s2VsS1: ['≥ 0.90', (x) => x >= 0.9],
  s3VsS1: ['≥ 0.5, nothing missing', (x) => x >= 0.5 && drain.missing === 0],
  s4DenoVsBareDeno: ['≥ 0.5', (x) => x >= 0.5],
  s5StartupVsBare: ['≤ 3', (x) => x <= 3],
  s7S1CpuVsBare: ['≤ 3', (x) => x <= 3],
  s7IngestCpuVsBare: ['≤ 2', (x) => x <= 2],
  s7S1P99VsBare: ['≤ 2', (x) => x <= 2],
}

const row = (name: string, r: Load) => `| ${name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.non2xx} |`
console.log(`\n${SECONDS} s per load, ${CONNECTIONS} connections, autocannon on Node, ${navigator.hardwareConcurrency} cores\n`)
console.log('| server | req/s | p50 ms | p99 ms | non-2xx |')
console.log('| --- | --- | --- | --- | --- |')
console.log(row('S1 bare Elysia (Bun)', bare))
console.log(row('S1 Fastify (Node)', fastify))
console.log(row('S1 Express (Node)', express))
console.log(row('S1 gateway (Bun)', gateway))
console.log(row('S2 gateway, http-sync target hung', isolation))
console.log(row('S4 bare Elysia (Deno)', bareDeno))
console.log(row('S4 gateway (Deno)', gatewayDeno))
console.log(
  `\nS3 drain: ${drain.acknowledged} acknowledged, ${drain.deliveredAtLoadEnd} delivered when the load stopped, ` +
    `all ${drain.delivered} after ${drain.drainSeconds.toFixed(1)} s more: ${Math.round(drain.deliveriesPerSecond)} deliveries/s while draining ` +
    `(${Math.round(drain.overallPerSecond)}/s over load and drain); missing ${drain.missing}`,
)
console.log(`S5 start-up to /readyz (median of 3): gateway ${median(startupGateway).toFixed(0)} ms, bare Elysia ${median(startupBare).toFixed(0)} ms\n`)
console.log(`${describeScaleOut(s6)}\n`)
console.log(`${describeFixedRate(s7)}\n`)
console.log(`${describeDecisions(s8)}\n`)
console.log('| figure | value | target | met |')
console.log('| --- | --- | --- | --- |')
const labels: Record<keyof typeof ratios, string> = {
  s1VsBare: 'S1 gateway req/s ÷ bare Elysia',
  s1VsFastify: 'S1 gateway req/s ÷ Fastify',
  s1P99VsBare: 'S1 gateway p99 ÷ bare Elysia p99',
  s2VsS1: 'S2 req/s ÷ S1 req/s',
  s3VsS1: 'S3 deliveries/s ÷ S1 req/s',
  s4DenoVsBareDeno: 'S4 gateway on Deno ÷ bare Elysia on Deno',
  s5StartupVsBare: 'S5 start-up ÷ bare Elysia start-up',
  s7S1CpuVsBare: 'S7 CPU per callback at 2,000/s, S1 setup ÷ bare Elysia',
  s7IngestCpuVsBare: 'S7 CPU per callback at 2,000/s, ingest alone ÷ bare Elysia',
  s7S1P99VsBare: 'S7 p99 at 2,000/s, S1 setup ÷ bare Elysia p99',
}
for (const key of Object.keys(ratios) as Array<keyof typeof ratios>) {
  const [target, met] = targets[key]
  const value = ratios[key]
  console.log(`| ${labels[key]} | ${Number.isNaN(value) ? 'n/a' : value.toFixed(2)} | ${target} | ${met(value) ? 'yes' : 'no'} |`)
}
console.log(
  JSON.stringify({
    seconds: SECONDS,
    connections: CONNECTIONS,
    s1: { bare, fastify, express, gateway },
    s2: isolation,
    s3: drain,
    s4: { bareDeno, gatewayDeno },
    s5: { gatewayMs: startupGateway, bareMs: startupBare },
    s6,
    s7,
    s8,
    ratios: {
      ...ratios,
      s6ClusterVsSqlite: 'ratio' in s6 ? s6.ratio : null,
      s8HttpDecideP50VsDirect: s8.ratios.http.p50,
      s8HttpDecideP99VsDirect: s8.ratios.http.p99,
      s8RulesP50VsDirect: s8.ratios.rules.p50,
      s8RulesP99VsDirect: s8.ratios.rules.p99,
    },
  }),
)
