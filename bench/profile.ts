/**
 * Profiles the gateway's hot path: serves the S1 setup under Bun's CPU profiler, loads it with
 * autocannon, stops it, and leaves the profile (.cpuprofile and grep-friendly .md) in bench/profiles/.
 *
 *   bun bench/profile.ts       (BENCH_SECONDS, default 10; BENCH_ROUTES='' profiles ingest alone)
 */
import { mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { load, REPO, s1Config, spawnWithPort, stop } from './lib.ts'

const outDir = join(REPO, 'bench/profiles')
mkdirSync(outDir, { recursive: true })
const receiver = await spawnWithPort([process.execPath, 'bench/receiver.ts'], /"port":(\d+)/)
const routes = process.env.BENCH_ROUTES === '' ? '[]' : `[{ match: Live.CallbackAfterDestroyRoom, to: [${process.env.BENCH_ROUTES ?? 'audit-log, crm'}] }]`
const configPath = s1Config(receiver.port, routes)
const gateway = await spawnWithPort(
  [process.execPath, '--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${outDir}`, 'src/main.ts', '--config', configPath],
  /"url":"http:\/\/[^:]+:(\d+)/,
)
const result = await load(gateway.port)
await stop(gateway.child)
await stop(receiver.child)
console.log(JSON.stringify(result))
console.log(`profiles in ${outDir}:`, readdirSync(outDir).join(', '))
