/** A fast keep-alive in-house target for http-sync: counts deliveries, answers 200 at once. */
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
    return new Response('ok')
  },
})
console.log(JSON.stringify({ port: server.port }))
