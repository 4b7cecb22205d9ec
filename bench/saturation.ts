/**
 * S1 at saturation alone, quickly: bare Elysia, then the S1 gateway, each loaded by autocannon
 * (64 connections, BENCH_SECONDS, default 10) in turn, BENCH_REPEAT times (default 1); prints
 * req/s and p99 of each and the gateway's ratios to bare Elysia of the same round. `npm run
 * bench` runs the full S1 to S6; this is for comparing a change on one setup.
 *
 *   bun bench/saturation.ts    (BENCH_ROUTES='' for ingest alone, or e.g. 'audit-log')
 */
import { load, s1Config, spawnWithPort, stop } from './lib.ts'

const PORT_LINE = /"url":"http:\/\/[^:]+:(\d+)/
for (let round = Number(process.env.BENCH_REPEAT ?? 1); round > 0; round--) {
  const bare = await spawnWithPort([process.execPath, 'bench/baselines/bare-elysia.ts'], /"port":(\d+)/)
  const base = await load(bare.port)
  await stop(bare.child)
  const receiver = await spawnWithPort([process.execPath, 'bench/receiver.ts'], /"port":(\d+)/)
  const routeList = process.env.BENCH_ROUTES ?? 'audit-log, crm'
  const routes = routeList === '' ? '[]' : `[{ match: Live.CallbackAfterDestroyRoom, to: [${routeList}] }]`
  const gateway = await spawnWithPort([process.execPath, 'src/main.ts', '--config', s1Config(receiver.port, routes)], PORT_LINE)
  const s1 = await load(gateway.port)
  await stop(gateway.child)
  await stop(receiver.child)
  console.log(
    JSON.stringify({
      bare: { rps: base.rps, p99: base.p99 },
      s1: { rps: s1.rps, p99: s1.p99, non2xx: s1.non2xx },
      rpsRatio: +(s1.rps / base.rps).toFixed(2),
      p99Ratio: +(s1.p99 / base.p99).toFixed(2),
    }),
  )
}
