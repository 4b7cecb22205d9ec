/**
 * Ack benchmark: the gateway (signed, durable store, routed to file-logger + http-sync) against
 * a bare Elysia receiver, each in its own process, loaded one after the other in the same run.
 * Prints a markdown table and, last, one JSON line. No figure is asserted: compare ratios.
 *
 *   bun bench/ack.ts            (BENCH_SECONDS=10 BENCH_CONNECTIONS=64 by default)
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { computeSign } from '../src/tencent/signature.ts'

const REPO = resolve(import.meta.dir, '..')
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64)
const TOKEN = 'bench-token'
const BODY = '{"CallbackCommand":"Live.CallbackAfterDestroyRoom","Operator_Account":"admin","RoomId":"room-[<id>]","EventType":"DestroyByUser","EventTime":1703589922780}'

type Child = ReturnType<typeof Bun.spawn>

async function spawnWithPort(cmd: string[], pattern: RegExp): Promise<{ child: Child; port: number }> {
  const child = Bun.spawn(cmd, { cwd: REPO, stdout: 'pipe', stderr: 'inherit' })
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader()
  let text = ''
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  for (;;) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`${cmd.join(' ')} exited before it listened:\n${text}`)
    text += new TextDecoder().decode(value)
    const match = pattern.exec(text)
    if (match) {
      clearTimeout(timer)
      // Keep draining stdout so the child never blocks on a full pipe.
      void (async () => {
        while (!(await reader.read()).done) {}
      })()
      return { child, port: Number(match[1]) }
    }
  }
}

function signedQuery(): string {
  const requestTime = String(Math.floor(Date.now() / 1000))
  return new URLSearchParams({
    SdkAppid: '1400000000',
    CallbackCommand: 'Live.CallbackAfterDestroyRoom',
    contenttype: 'json',
    ClientIP: '127.0.0.1',
    OptPlatform: 'RESTAPI',
    Sign: computeSign(TOKEN, requestTime),
    RequestTime: requestTime,
  }).toString()
}

interface Load {
  rps: number
  p50: number
  p99: number
  total: number
  non2xx: number
  errors: number
}

async function load(port: number): Promise<Load> {
  const args = JSON.stringify({ url: `http://127.0.0.1:${port}/callback?${signedQuery()}`, body: BODY, seconds: SECONDS, connections: CONNECTIONS })
  const child = Bun.spawn(['node', join(REPO, 'bench/load.cjs'), args], { cwd: REPO, stdout: 'pipe', stderr: 'inherit' })
  const out = await new Response(child.stdout).text()
  if ((await child.exited) !== 0) throw new Error('load generator failed')
  return JSON.parse(out.trim().split('\n').pop()!)
}

async function stop(child: Child): Promise<void> {
  child.kill('SIGTERM')
  await child.exited
}

const receiver = await spawnWithPort([process.execPath, 'bench/receiver.ts'], /"port":(\d+)/)
const dir = mkdtempSync(join(tmpdir(), 'bench-ack-'))
writeFileSync(
  join(dir, 'config.yaml'),
  `
server: { hostname: 127.0.0.1, port: 0 }
log: { level: info }
tencent: { sdkAppId: 1400000000, token: ${TOKEN} }
store: { path: ./data/gateway.db, sync: full }
plugins:
  audit-log: { use: file-logger, options: { path: ./logs/callbacks.jsonl } }
  crm: { use: http-sync, options: { url: "http://127.0.0.1:${receiver.port}/sync" } }
routes: [{ match: Live.CallbackAfterDestroyRoom, to: [audit-log, crm] }]
`,
)

const bare = await spawnWithPort([process.execPath, 'bench/baselines/bare-elysia.ts'], /"port":(\d+)/)
const bareResult = await load(bare.port)
await stop(bare.child)

const gateway = await spawnWithPort([process.execPath, 'src/main.ts', '--config', join(dir, 'config.yaml')], /"url":"http:\/\/[^:]+:(\d+)/)
const gatewayResult = await load(gateway.port)
// Drain: wait until the receiver has every acknowledged event.
const drainStart = performance.now()
let received = 0
while (performance.now() - drainStart < 120_000) {
  received = ((await (await fetch(`http://127.0.0.1:${receiver.port}/`)).json()) as { unique: number }).unique
  if (received >= gatewayResult.total - gatewayResult.non2xx) break
  await Bun.sleep(100)
}
await stop(gateway.child)
await stop(receiver.child)

const ratio = gatewayResult.rps / bareResult.rps
const rows = [
  ['bare Elysia (Bun)', bareResult],
  ['gateway (Bun, sync full, file-logger + http-sync)', gatewayResult],
] as const
console.log(`\n${SECONDS} s per server, ${CONNECTIONS} connections, ${process.platform} ${navigator.hardwareConcurrency} cores\n`)
console.log('| server | req/s | p50 ms | p99 ms | non-2xx | ratio to bare |')
console.log('| --- | --- | --- | --- | --- | --- |')
for (const [name, r] of rows) console.log(`| ${name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${(r.rps / bareResult.rps).toFixed(2)} |`)
// autocannon does not count the requests still in flight when its window closes; they are
// acknowledged and delivered too, so `delivered` may exceed `acknowledged` by up to CONNECTIONS.
const acknowledged = gatewayResult.total - gatewayResult.non2xx
console.log(`\nacknowledged ${acknowledged}, delivered to http-sync ${received}, missing ${Math.max(0, acknowledged - received)}`)
console.log(JSON.stringify({ seconds: SECONDS, connections: CONNECTIONS, bare: bareResult, gateway: gatewayResult, ratio, delivered: received }))
