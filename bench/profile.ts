/**
 * Profiles the gateway's hot path: serves the S1 setup under Bun's CPU profiler, loads it with
 * autocannon, stops it, and leaves the profile (.cpuprofile and grep-friendly .md) in bench/profiles/.
 *
 *   bun bench/profile.ts       (BENCH_SECONDS, default 10; BENCH_ROUTES='' profiles ingest alone)
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { load, REPO, spawnWithPort, stop, TOKEN } from './lib.ts'

const outDir = join(REPO, 'bench/profiles')
mkdirSync(outDir, { recursive: true })
const receiver = await spawnWithPort([process.execPath, 'bench/receiver.ts'], /"port":(\d+)/)
const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'))
writeFileSync(
  join(dir, 'config.yaml'),
  `server: { hostname: 127.0.0.1, port: 0 }
tencent: { sdkAppId: 1400000000, token: ${TOKEN} }
store: { path: ./data/gateway.db, sync: full }
plugins:
  audit-log: { use: file-logger, options: { path: ./logs/callbacks.jsonl } }
  crm: { use: http-sync, options: { url: "http://127.0.0.1:${receiver.port}/sync" } }
routes: ${process.env.BENCH_ROUTES === '' ? '[]' : `[{ match: Live.CallbackAfterDestroyRoom, to: [${process.env.BENCH_ROUTES ?? 'audit-log, crm'}] }]`}
`,
)
const gateway = await spawnWithPort(
  [process.execPath, '--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${outDir}`, 'src/main.ts', '--config', join(dir, 'config.yaml')],
  /"url":"http:\/\/[^:]+:(\d+)/,
)
const result = await load(gateway.port)
await stop(gateway.child)
await stop(receiver.child)
console.log(JSON.stringify(result))
console.log(`profiles in ${outDir}:`, readdirSync(outDir).join(', '))
