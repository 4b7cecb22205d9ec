/**
 * Routing does not depend on the Host header. Elysia's router assumed an authority of at
 * least 4 characters, so `Host: abc` or `Host: x` made every route 404; Bun hands over the
 * bare target for an empty or invalid Host, Deno pastes the raw Host into request.url.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { exchange, postCallback, RUNTIMES, startRawGateway, type RawGateway } from '../helpers/raw-http.ts'

const OK = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'

// Short, empty, and malformed ones a runtime may pass through ('/' and '?' would move the
// path or start the query inside the Host).
const HOSTS = ['abc', 'x', '', 'a/b', 'abcdef/b', 'x?SdkAppid=9&']

for (const runtime of RUNTIMES) {
  describe(`${runtime}: any Host`, () => {
    let gw: RawGateway
    beforeAll(async () => {
      gw = await startRawGateway(runtime)
    })
    afterAll(() => gw.stop())

    for (const host of HOSTS) {
      it(`routes POST /callback and GET /healthz with Host: ${JSON.stringify(host)}`, async () => {
        const room = `host-${encodeURIComponent(host)}`
        const post = await exchange(gw.port, [postCallback(room, { host, extra: 'Connection: close\r\n' })])
        expect(post.responses[0]).toMatchObject({ status: 200, body: OK })
        const health = await exchange(gw.port, [`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`])
        expect(health.responses[0]).toMatchObject({ status: 200, body: '{"status":"ok"}' })
        await gw.waitDelivered(room)
      })
    }

    it('still answers 404 for an unknown path and 405 for GET /callback with a short Host', async () => {
      const unknown = await exchange(gw.port, ['GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'])
      expect(unknown.responses[0]).toMatchObject({ status: 404, body: '{"error":"not found"}' })
      const get = await exchange(gw.port, ['GET /callback HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'])
      expect(get.responses[0]?.status).toBe(405)
      expect(get.responses[0]?.headers.allow).toBe('POST')
    })
  })

  describe(`${runtime}: a callback path of several segments`, () => {
    let gw: RawGateway
    beforeAll(async () => {
      gw = await startRawGateway(runtime, 'path: /hooks/tencent/callback')
    })
    afterAll(() => gw.stop())

    for (const host of ['x', '', '127.0.0.1']) {
      it(`routes it with Host: ${JSON.stringify(host)}`, async () => {
        const room = `deep-${host || 'empty'}`
        const request = postCallback(room, { host, extra: 'Connection: close\r\n' }).replace('POST /callback?', 'POST /hooks/tencent/callback?')
        expect((await exchange(gw.port, [request])).responses[0]).toMatchObject({ status: 200, body: OK })
        await gw.waitDelivered(room)
      })
    }
  })
}
