/**
 * Ack benchmark: the gateway (signed, durable store, routed to file-logger + http-sync) against
 * a bare Elysia receiver, each in its own process, loaded one after the other in the same run.
 * Prints a markdown table and, last, one JSON line. No figure is asserted: compare ratios.
 *
 *   bun bench/ack.ts            (BENCH_SECONDS=10 BENCH_CONNECTIONS=64 by default)
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CONNECTIONS, load, SECONDS, spawnWithPort, stop, TOKEN } from './lib.ts'

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
routes: ${process.env.BENCH_ROUTES === '' ? '[]' : `[{ match: Live.CallbackAfterDestroyRoom, to: [${process.env.BENCH_ROUTES ?? 'audit-log, crm'}] }]`}
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
