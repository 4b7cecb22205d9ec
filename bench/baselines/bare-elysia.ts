/**
 * Baseline: a bare Elysia receiver that checks SdkAppid and returns the standard answer.
 * Stores nothing, verifies nothing else. Prints its port on the first stdout line.
 */
import { Elysia } from 'elysia'

const OK = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'
const FAIL = '{"ActionStatus":"FAIL","ErrorInfo":"SdkAppid is not served here","ErrorCode":40302}'
const appId = process.env.SDK_APP_ID ?? '1400000000'

const app = new Elysia()
  .post(
    '/callback',
    async function callback({ request }) {
      const sdkAppId = new URL(request.url).searchParams.get('SdkAppid')
      await request.text()
      if (sdkAppId !== appId) return new Response(FAIL, { status: 403, headers: { 'content-type': 'application/json' } })
      return new Response(OK, { headers: { 'content-type': 'application/json' } })
    },
    { parse: 'none' },
  )
  .get('/readyz', () => Response.json({ status: 'ready' }))

const port = Number(process.env.PORT ?? 0)
if ('Bun' in globalThis) {
  const server = Bun.serve({ port, hostname: '127.0.0.1', fetch: app.fetch })
  console.log(JSON.stringify({ port: server.port }))
} else {
  // @ts-expect-error Deno global: this file also serves the S4 baseline under Deno.
  const server = Deno.serve({ port, hostname: '127.0.0.1', onListen() {} }, app.fetch)
  console.log(JSON.stringify({ port: server.addr.port }))
}
