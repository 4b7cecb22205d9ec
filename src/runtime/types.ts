/** What the rest of the gateway needs from a runtime: serve a fetch handler, hear signals. */

export interface ServeOptions {
  hostname: string
  port: number
  /** Called with each request and its peer's address, as the runtime saw the connection. */
  fetch: (request: Request, peer: string | undefined) => Response | Promise<Response>
  /**
   * The runtime's own cap (Bun answers past it with an empty 413, before the handler runs).
   * The gateway passes no real cap: it enforces maxBodyBytes itself, with its JSON answer.
   */
  maxRequestBodySize: number
}

export interface RunningServer {
  /** The bound port (useful with port 0). */
  port: number
  /** Stops accepting; resolves when in-flight requests have been answered. */
  stop(): Promise<void>
}

export type ShutdownSignal = 'SIGTERM' | 'SIGINT'

export interface SignalHandlers {
  /** SIGTERM, SIGINT. */
  shutdown(signal: ShutdownSignal): void
  /** SIGHUP. */
  reload(): void
}

export interface Runtime {
  name: 'bun' | 'deno'
  /** Serves `fetch`, handing it each request with the peer's address. */
  serve(options: ServeOptions): Promise<RunningServer>
  /** Installs the handlers; returns a function that removes them. */
  onSignals(handlers: SignalHandlers): () => void
  /**
   * How many outgoing `fetch` requests may be open at once, when the runtime caps them (Bun:
   * 256 unless BUN_CONFIG_MAX_HTTP_REQUESTS is set before the process starts); undefined: no cap.
   */
  fetchLimit?: number
}
