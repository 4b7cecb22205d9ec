/**
 * Profiles the gateway's hot path: serves the S1 setup under Bun's CPU profiler, loads it, stops
 * it, and leaves the profile (.cpuprofile and grep-friendly .md) in bench/profiles/. The load is
 * autocannon at saturation, or with BENCH_RATE the open-loop generator at that fixed rate (S7's
 * load): the profile at a fixed rate is not the one at saturation.
 *
 *   bun bench/profile.ts       (BENCH_SECONDS, default 10; BENCH_ROUTES='' profiles ingest alone;
 *                               BENCH_RATE=2000 for a fixed offered rate)
 */
import { mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { load, REPO, s1Config, SECONDS, signedQuery, spawnWithPort, stop } from './lib.ts'
import { runOpenLoop } from './open-loop.ts'

const outDir = join(REPO, 'bench/profiles')
mkdirSync(outDir, { recursive: true })
const receiver = await spawnWithPort([process.execPath, 'bench/receiver.ts'], /"port":(\d+)/)
const routes = process.env.BENCH_ROUTES === '' ? '[]' : `[{ match: Live.CallbackAfterDestroyRoom, to: [${process.env.BENCH_ROUTES ?? 'audit-log, crm'}] }]`
const configPath = s1Config(receiver.port, routes)
const gateway = await spawnWithPort(
  [process.execPath, '--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${outDir}`, 'src/main.ts', '--config', configPath],
  /"url":"http:\/\/[^:]+:(\d+)/,
)
const rate = Number(process.env.BENCH_RATE ?? 0)
const result =
  rate > 0
    ? await runOpenLoop({ url: `http://127.0.0.1:${gateway.port}/callback?${signedQuery()}`, rate, seconds: SECONDS, body: 'destroy-room' })
    : await load(gateway.port)
// Let the deliveries drain into the profile too.
await Bun.sleep(500)
await stop(gateway.child)
await stop(receiver.child)
console.log(JSON.stringify(result))
console.log(`profiles in ${outDir}:`, readdirSync(outDir).join(', '))
