/**
 * Where a gateway's CPU goes at a fixed offered rate, per thread: the serving (JavaScript)
 * thread, Bun's HTTP client thread (http-sync's fetch), the threadpool (fdatasync, file
 * writes), the JIT and the GC. Reads utime + stime of every /proc/<pid>/task/<tid> before the
 * load and once drained, and prints µs per callback for each thread name (Linux only).
 *
 *   bun bench/thread-split.ts    (BENCH_RATE, default 2000; BENCH_SECONDS, default 5;
 *                                 BENCH_ROUTES='' for ingest alone, or e.g. 'audit-log')
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { s1Config, signedQuery, spawnWithPort, stop } from './lib.ts'
import { runOpenLoop } from './open-loop.ts'
import { lineCounter } from './proc.ts'

/** Thread name → [user, system] CPU ms, summed over threads of that name (numbers in names folded). */
function threads(pid: number): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+/g, '#')
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
      const key = tid === String(pid) ? `${name} (main)` : name
      const [user, system] = out.get(key) ?? [0, 0]
      out.set(key, [user + Number(fields[11]) * 10, system + Number(fields[12]) * 10])
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out
}

const rate = Number(process.env.BENCH_RATE ?? 2000)
const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const receiver = await spawnWithPort([process.execPath, 'bench/receiver.ts'], /"port":(\d+)/)
const routeList = process.env.BENCH_ROUTES ?? 'audit-log, crm'
const routes = routeList === '' ? '[]' : `[{ match: Live.CallbackAfterDestroyRoom, to: [${routeList}] }]`
const config = s1Config(receiver.port, routes)
const gateway = await spawnWithPort([process.execPath, 'src/main.ts', '--config', config], /"url":"http:\/\/[^:]+:(\d+)/)
const url = `http://127.0.0.1:${gateway.port}/callback?${signedQuery()}`
// Warm-up, not counted.
await runOpenLoop({ url, rate, seconds: 1, body: 'destroy-room' })
await Bun.sleep(300)
const logLines = lineCounter(join(dirname(config), 'logs/callbacks.jsonl'))
const linesBefore = logLines()
const before = threads(gateway.child.pid)
const load = await runOpenLoop({ url, rate, seconds, body: 'destroy-room' })
const answered = load.answered - load.non200
if (routeList.includes('audit-log')) {
  const started = performance.now()
  while (logLines() - linesBefore < answered && performance.now() - started < 30_000) await Bun.sleep(10)
} else await Bun.sleep(200)
const after = threads(gateway.child.pid)
await stop(gateway.child)
await stop(receiver.child)
const perCallback = (ms: number) => (ms * 1000) / answered
const rows = [...after]
  .map(([name, [user, system]]) => {
    const [userBefore, systemBefore] = before.get(name) ?? [0, 0]
    return { name, user: perCallback(user - userBefore), system: perCallback(system - systemBefore) }
  })
  .filter((row) => row.user + row.system > 0)
rows.sort((a, b) => b.user + b.system - (a.user + a.system))
console.log(`${rate}/s for ${load.seconds} s, routes ${routes}: ${answered} answered, p50 ${load.p50} ms, p99 ${load.p99} ms`)
console.log('| thread | CPU µs per callback | user | system |\n| --- | --- | --- | --- |')
const us = (n: number) => Math.round(n)
for (const row of rows) console.log(`| ${row.name} | ${us(row.user + row.system)} | ${us(row.user)} | ${us(row.system)} |`)
const sum = (pick: (row: (typeof rows)[number]) => number) => rows.reduce((total, row) => total + pick(row), 0)
console.log(`| all | ${us(sum((r) => r.user + r.system))} | ${us(sum((r) => r.user))} | ${us(sum((r) => r.system))} |`)
