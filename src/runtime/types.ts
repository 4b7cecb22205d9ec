/** What the rest of the gateway needs from a runtime: serve a fetch handler, hear signals. */

export interface ServeOptions {
  hostname: string
  port: number
  fetch: (request: Request) => Response | Promise<Response>
  /** Bodies above this are cut off by the runtime itself; the gateway's own limit sits below it. */
  maxRequestBodySize: number
}

export interface RunningServer {
  /** The bound port (useful with port 0). */
  port: number
  /** Stops accepting; resolves when in-flight requests have been answered. */
  stop(): Promise<void>
}

export type ShutdownSignal = 'SIGTERM' | 'SIGINT'

export interface Runtime {
  name: 'bun' | 'deno'
  serve(options: ServeOptions): Promise<RunningServer>
  /** Calls `handler` on SIGTERM/SIGINT; returns a function that removes the listeners. */
  onShutdownSignal(handler: (signal: ShutdownSignal) => void): () => void
}
