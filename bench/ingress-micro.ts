/**
 * In-process micro-benchmark of the callback pipeline: app.handle() with 64 requests in
 * flight, no sockets and no load generator, so per-request CPU shows without the noise of
 * a shared 2-core box. Compares the gateway (signed, real SQLite store, sync full, no routes)
 * with a bare Elysia app answering the same requests, in the same run, alternating rounds.
 *
 *   bun bench/ingress-micro.ts          (MICRO_REQUESTS per round, default 20000)
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Elysia } from 'elysia'
import { buildGateway } from '../src/gateway/build.ts'
import { loadConfig } from '../src/config/load.ts'
import { BODY, signedQuery, TOKEN } from './lib.ts'

const N = Number(process.env.MICRO_REQUESTS ?? 20_000)
const CONCURRENCY = 64
const OK = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'

const dir = mkdtempSync(join(tmpdir(), 'bench-micro-'))
writeFileSync(
  join(dir, 'config.yaml'),
  `tencent: { sdkAppId: 1400000000, token: ${TOKEN} }\nstore: { path: ./data/gateway.db, sync: ${process.env.MICRO_SYNC ?? 'full'} }\n`,
)
const gateway = await buildGateway(await loadConfig({ path: join(dir, 'config.yaml'), env: {} }), { write: () => {} })
const bare = new Elysia().post(
  '/callback',
  async function callback({ request }) {
    const appId = new URL(request.url).searchParams.get('SdkAppid')
    await request.text()
    return new Response(appId === '1400000000' ? OK : 'no', { headers: { 'content-type': 'application/json' } })
  },
  { parse: 'none' },
)

let seq = 0
async function round(handle: (r: Request) => Response | Promise<Response>): Promise<number> {
  const query = signedQuery()
  let next = 0
  const started = performance.now()
  async function worker() {
    while (next < N) {
      next++
      const body = BODY.replace('[<id>]', String(seq++))
      const response = await handle(new Request(`http://localhost/callback?${query}`, { method: 'POST', body }))
      if (response.status !== 200) throw new Error(`status ${response.status}: ${await response.text()}`)
      await response.arrayBuffer()
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return N / ((performance.now() - started) / 1000)
}

const results = { bare: [] as number[], gateway: [] as number[] }
for (let i = 0; i < 3; i++) {
  results.bare.push(await round((r) => bare.handle(r)))
  results.gateway.push(await round((r) => gateway.app.handle(r)))
}
await gateway.close()
const best = (xs: number[]) => Math.max(...xs)
console.log(`| pipeline (in process, ${CONCURRENCY} in flight) | best of 3, req/s | ratio |`)
console.log('| --- | --- | --- |')
console.log(`| bare Elysia | ${Math.round(best(results.bare))} | 1.00 |`)
console.log(`| gateway | ${Math.round(best(results.gateway))} | ${(best(results.gateway) / best(results.bare)).toFixed(2)} |`)
console.log(JSON.stringify({ bare: results.bare.map(Math.round), gateway: results.gateway.map(Math.round) }))
