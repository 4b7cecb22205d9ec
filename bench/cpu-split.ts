/**
 * Where the machine's CPU goes during S1: samples /proc/<pid>/stat of the gateway, the
 * http-sync receiver and the load generator over the load (Linux only).
 *
 *   bun bench/cpu-split.ts     (BENCH_SECONDS, default 10; BENCH_ROUTES='' for ingest alone)
 */
import { readFileSync } from 'node:fs'
import { load, s1Config, spawnWithPort, stop } from './lib.ts'

const TICKS = 100
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS
  } catch {
    return NaN
  }
}
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}

const receiver = await spawnWithPort([process.execPath, 'bench/receiver.ts'], /"port":(\d+)/)
const routes = process.env.BENCH_ROUTES === '' ? '[]' : `[{ match: Live.CallbackAfterDestroyRoom, to: [${process.env.BENCH_ROUTES ?? 'audit-log, crm'}] }]`
const gateway = await spawnWithPort([process.execPath, 'src/main.ts', '--config', s1Config(receiver.port, routes)], /"url":"http:\/\/[^:]+:(\d+)/)
const before = { gateway: cpuSeconds(gateway.child.pid), receiver: cpuSeconds(receiver.child.pid) }
const started = performance.now()
let loadPid = 0
let loadCpu = 0
const sampler = setInterval(() => {
  const kids = childrenOf(process.pid).filter((p) => p !== gateway.child.pid && p !== receiver.child.pid)
  if (kids[0]) {
    loadPid = kids[0]
    loadCpu = cpuSeconds(loadPid) || loadCpu
  }
}, 200)
const result = await load(gateway.port)
clearInterval(sampler)
const wall = (performance.now() - started) / 1000
const used = {
  gateway: (cpuSeconds(gateway.child.pid) - before.gateway) / wall,
  receiver: (cpuSeconds(receiver.child.pid) - before.receiver) / wall,
  load: loadCpu / wall,
}
await stop(gateway.child)
await stop(receiver.child)
console.log(
  `req/s ${Math.round(result.rps)}  cores used: gateway ${used.gateway.toFixed(2)}, receiver ${used.receiver.toFixed(2)}, autocannon ${used.load.toFixed(2)}`,
)
console.log(JSON.stringify({ ...result, cores: used }))
