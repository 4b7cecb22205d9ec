/**
 * Backlog memory: 100,000 callbacks queued behind a dead sink (connection refused) must stay
 * on disk, not in the process. Prints the gateway's RSS at idle, its peak (VmHWM) under
 * the load and the backlog, and its RSS once the load stops. Linux: reads /proc/<pid>/status.
 *
 *   bun bench/backlog-memory.ts        (BACKLOG=100000 by default)
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { load, spawnWithPort, stop, writeGatewayConfig } from './lib.ts'

const BACKLOG = Number(process.env.BACKLOG ?? 100_000)

function memory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 }
}

// A port that refuses connections: bind one, then free it.
const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
const deadPort = probe.port
await probe.stop(true)

const configPath = writeGatewayConfig(`plugins:
  crm:
    use: http-sync
    options: { url: "http://127.0.0.1:${deadPort}/sync", timeoutMs: 2000 }
    retry: { maxAttempts: 1000, initialDelayMs: 200, maxDelayMs: 5000 }
routes: [{ match: Live.CallbackAfterDestroyRoom, to: [crm] }]
${process.env.DEDUP_WINDOW ? `dedupWindowSeconds: ${process.env.DEDUP_WINDOW}\n` : ''}`)
const dir = dirname(configPath)

const gateway = await spawnWithPort([process.execPath, 'src/main.ts', '--config', configPath], /"url":"http:\/\/[^:]+:(\d+)/)
await Bun.sleep(1000)
const idle = memory(gateway.child.pid)
const result = await load(gateway.port, { amount: BACKLOG })
// Let the dispatcher churn through retries against the dead sink for a while.
await Bun.sleep(5000)
const after = memory(gateway.child.pid)
await stop(gateway.child)

const db = new DatabaseSync(join(dir, 'data/gateway.db'), { readOnly: true })
const pending = (db.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'").get() as { n: number }).n
db.close()

console.log(`\n${BACKLOG} callbacks behind a dead sink (${result.rps.toFixed(0)} req/s, ${result.non2xx} non-2xx)\n`)
console.log('| figure | MB |')
console.log('| --- | --- |')
console.log(`| RSS at idle | ${idle.rssMb.toFixed(1)} |`)
console.log(`| peak RSS (VmHWM) during load and backlog | ${after.peakMb.toFixed(1)} |`)
console.log(`| RSS 5 s after the load | ${after.rssMb.toFixed(1)} |`)
console.log(`| growth at peak | ${(after.peakMb - idle.rssMb).toFixed(1)} |`)
console.log(`\npending deliveries on disk: ${pending}`)
console.log(
  JSON.stringify({
    backlog: BACKLOG,
    acknowledged: result.total - result.non2xx,
    pending,
    idleRssMb: idle.rssMb,
    peakRssMb: after.peakMb,
    afterRssMb: after.rssMb,
  }),
)
