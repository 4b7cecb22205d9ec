/**
 * The in-house target for http-sync: counts deliveries (by Idempotency-Key) and answers 200
 * at once; with HANG=1 it never answers (S2), but still counts what reached it.
 */
const hang = process.env.HANG === '1'
let count = 0
const ids = new Set<string>()
const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  async fetch(request) {
    if (request.method === 'GET') return Response.json({ count, unique: ids.size })
    const key = request.headers.get('idempotency-key')
    await request.arrayBuffer()
    count++
    if (key) ids.add(key)
    if (hang) return new Promise<Response>(() => {})
    return new Response('ok')
  },
})
console.log(JSON.stringify({ port: server.port }))
