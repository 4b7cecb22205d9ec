/**
 * S8's in-house decision service: reads the request, waits DELAY_MS (default 5, a setTimeout) and
 * answers as it would answer Tencent, `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`.
 * It serves the gateway's http-decide plugin and, called directly, the open-loop generator (S8's
 * baseline: an app that answers Tencent itself). With HANG=1 it never answers. GET / returns
 * the count of requests and the most that were open at once since the last GET (a request closes
 * when answered or when its caller gives up). Prints its port on the first stdout line.
 */
export {} // a module, so its names do not clash with bench/receiver.ts's

const hang = process.env.HANG === '1'
const delayMs = Number(process.env.DELAY_MS ?? 5)
const OK = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'
const headers = { 'content-type': 'application/json' }
let count = 0
let open = 0
let maxOpen = 0

const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  // A hung answer stays open until the caller gives up; Bun's default would close it after 10 s.
  idleTimeout: 0,
  async fetch(request) {
    if (request.method === 'GET') {
      const answer = Response.json({ count, maxOpen })
      maxOpen = open
      return answer
    }
    await request.arrayBuffer()
    count++
    if (++open > maxOpen) maxOpen = open
    if (hang) {
      request.signal.addEventListener('abort', () => open--)
      return new Promise<Response>(() => {})
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs))
    open--
    return new Response(OK, { headers })
  },
})
console.log(JSON.stringify({ port: server.port }))
