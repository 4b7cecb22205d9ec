/**
 * Real local HTTP servers on port 0 that stand in for sinks: a fake Slack webhook,
 * an in-house HTTP target. Each records every request and answers with `respond`.
 */
export interface RecordedRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: string
  json<T = any>(): T
}

export interface Sink {
  url: string
  port: number
  requests: RecordedRequest[]
  /** Change the answer for later requests. */
  respond: (req: RecordedRequest, index: number) => Response | Promise<Response>
  /** Resolves when at least `count` requests have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<RecordedRequest[]>
  close(): Promise<void>
}

export function startSink(respond: Sink['respond'] = () => new Response('ok'), port = 0): Sink {
  const requests: RecordedRequest[] = []
  const waiters: Array<{ count: number; resolve: () => void }> = []
  const sink = {} as Sink
  const server = Bun.serve({
    port,
    hostname: '127.0.0.1',
    async fetch(request) {
      const url = new URL(request.url)
      const body = await request.text()
      const recorded: RecordedRequest = {
        method: request.method,
        path: url.pathname + url.search,
        headers: Object.fromEntries(request.headers),
        body,
        json: () => JSON.parse(body),
      }
      const index = requests.push(recorded) - 1
      for (const waiter of [...waiters]) {
        if (requests.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve()
        }
      }
      return sink.respond(recorded, index)
    },
  })
  Object.assign(sink, {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port,
    requests,
    respond,
    waitFor(count: number, timeoutMs = 5000) {
      if (requests.length >= count) return Promise.resolve(requests)
      return new Promise<RecordedRequest[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`sink got ${requests.length} requests, wanted ${count}`)), timeoutMs)
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer)
            resolve(requests)
          },
        })
      })
    },
    async close() {
      await server.stop(true)
    },
  })
  return sink
}
