/**
 * The open-loop load generator of S7 and S8: POSTs distinct callbacks (S8: `Live.CallbackBeforeSendGift`;
 * S7, `body: "destroy-room"`: `Live.CallbackAfterDestroyRoom` with a unique RoomId) at a fixed
 * offered rate, on a timetable fixed before the first send. A request is sent at its slot whether
 * or not earlier ones were answered, and its latency counts from the slot, not from when it left,
 * so a slow server cannot slow the load down and hide its own delay (no coordinated omission).
 *
 * It runs as its own process (`runOpenLoop` spawns this file) and prints one JSON line. Requests
 * go out with Bun's fetch over its keep-alive pool. Bun caps simultaneous fetches at 256 and
 * queues the rest, which would delay sends whenever more than 256 answers are outstanding
 * (a hung decider holds about rate × budget open), so the child gets
 * BUN_CONFIG_MAX_HTTP_REQUESTS=MAX_IN_FLIGHT. `maxInFlight` in the result is the peak reached.
 *
 *   bun bench/open-loop.ts '{"url":"http://127.0.0.1:PORT/callback","rate":1000,"seconds":10}'
 */
import { join } from 'node:path'
import { BODY, REPO } from './lib.ts'

export const MAX_IN_FLIGHT = 8192
/** How many senders the gifts come from (From_Account viewer-0 … viewer-999), in turn. */
export const USERS = 1000
/** Every Nth gift is a "fireworks" (a word the rules row bans), every Mth one is worth 100,000 coins. */
export const BANNED_EVERY = 50
export const HUGE_EVERY = 200

export interface OpenLoopOptions {
  url: string
  rate: number
  seconds: number
  /** Answers slower than this are counted in `overLimit`. */
  limitMs?: number
  /** What is sent: gifts (the default) or destroy-room callbacks, each RoomId used once ever. */
  body?: 'gift' | 'destroy-room'
}

export interface OpenLoopResult {
  rate: number
  seconds: number
  sent: number
  answered: number
  non200: number
  errors: number
  unanswered: number
  p50: number
  p99: number
  max: number
  overLimit: number
  limitMs: number
  /** Answers by ErrorCode (`none` when the body had none). */
  codes: Record<string, number>
  /** How late sends left against their slot: the generator's own floor. */
  sendLateP99: number
  sendLateMax: number
  maxInFlight: number
  /** The generator's CPU per request, ms. */
  cpuMsPerRequest: number
}

/** Spawns the generator and resolves with its result. */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const child = Bun.spawn([process.execPath, join(REPO, 'bench/open-loop.ts'), JSON.stringify(options)], {
    cwd: REPO,
    stdout: 'pipe',
    stderr: 'inherit',
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: String(MAX_IN_FLIGHT) },
  })
  const out = await new Response(child.stdout).text()
  if ((await child.exited) !== 0) throw new Error('open-loop generator failed')
  return JSON.parse(out.trim().split('\n').pop()!)
}

/** The i-th gift: a sender in turn, a unique GiftWater.Time (so dedup never merges two). */
export function giftBody(i: number, baseTime: number): string {
  const user = `viewer-${i % USERS}`
  const giftId = i % BANNED_EVERY === BANNED_EVERY - 1 ? 'fireworks' : 'rose'
  const coins = i % HUGE_EVERY === HUGE_EVERY - 7 ? 100000 : 10
  return (
    `{"CallbackCommand":"Live.CallbackBeforeSendGift","Operator_Account":"${user}","RoomId":"room-1",` +
    `"GiftWater":{"From_Account":"${user}","To_Account":["host-1"],"Time":${baseTime + i},"GiftId":"${giftId}","Count":1,"Coins":${coins}},` +
    `"EventTime":${Date.now()}}`
  )
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}

const round = (ms: number) => Math.round(ms * 100) / 100

async function generate(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { url, rate, seconds } = options
  const limitMs = options.limitMs ?? 1550
  const total = Math.round(rate * seconds)
  const interval = 1000 / rate
  const baseTime = Math.floor(Date.now() / 1000) * 1000
  // Bodies are built before the clock starts, so building them costs no send slot.
  const run = `${Date.now().toString(36)}-${process.pid}`
  const bodies = Array.from({ length: total }, (_, i) => (options.body === 'destroy-room' ? BODY.replace('[<id>]', `${run}-${i}`) : giftBody(i, baseTime)))
  const latency = new Float64Array(total).fill(NaN)
  const late = new Float64Array(total)
  const codes: Record<string, number> = {}
  const headers = { 'content-type': 'application/json' }
  let non200 = 0
  let errors = 0
  let inFlight = 0
  let maxInFlight = 0
  let finished = 0
  let next = 0
  let done: () => void = () => {}
  const allDone = new Promise<void>((resolve) => (done = resolve))

  function send(i: number, slot: number): void {
    late[i] = performance.now() - slot
    inFlight++
    if (inFlight > maxInFlight) maxInFlight = inFlight
    fetch(url, { method: 'POST', body: bodies[i], headers })
      .then(async (response) => {
        const text = await response.text()
        latency[i] = performance.now() - slot
        if (response.status !== 200) non200++
        const code = /"ErrorCode":(-?\d+)/.exec(text)?.[1] ?? 'none'
        codes[code] = (codes[code] ?? 0) + 1
      })
      .catch(() => errors++)
      .finally(() => {
        inFlight--
        if (++finished === total) done()
      })
  }

  const cpuBefore = process.cpuUsage()
  const start = performance.now() + 20
  const tick = () => {
    const now = performance.now()
    while (next < total && start + next * interval <= now) {
      send(next, start + next * interval)
      next++
    }
    if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now()))
  }
  setTimeout(tick, 20)
  // Whatever has not been answered 10 s after the last slot is counted as unanswered.
  await Promise.race([allDone, new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 10_000))])
  const cpu = process.cpuUsage(cpuBefore)

  const answered = latency.filter((x) => !Number.isNaN(x)).sort()
  const lateSorted = late.slice(0, next).sort()
  return {
    rate,
    seconds,
    sent: next,
    answered: answered.length,
    non200,
    errors,
    unanswered: total - finished,
    p50: round(percentile(answered, 0.5)),
    p99: round(percentile(answered, 0.99)),
    max: round(answered[answered.length - 1] ?? NaN),
    overLimit: answered.filter((x) => x > limitMs).length,
    limitMs,
    codes,
    sendLateP99: round(percentile(lateSorted, 0.99)),
    sendLateMax: round(lateSorted[lateSorted.length - 1] ?? NaN),
    maxInFlight,
    cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / Math.max(next, 1),
  }
}

if (import.meta.main) {
  console.log(JSON.stringify(await generate(JSON.parse(process.argv[2]!) as OpenLoopOptions)))
  // Keep-alive connections (and, on a hung server, open requests) would keep the process alive.
  process.exit(0)
}
