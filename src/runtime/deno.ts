/** Deno: Deno.serve. Declares the few Deno APIs it uses, so tsc (with bun-types) checks this file too. */
import type { Runtime } from './types.ts'

interface DenoServer {
  addr: { port: number }
  shutdown(): Promise<void>
  finished: Promise<void>
}
declare const Deno: {
  serve(options: { hostname: string; port: number; onListen?: () => void }, handler: (request: Request) => Response | Promise<Response>): DenoServer
  addSignalListener(signal: string, handler: () => void): void
  removeSignalListener(signal: string, handler: () => void): void
}

export const denoRuntime: Runtime = {
  name: 'deno',
  async serve({ hostname, port, fetch }) {
    // onListen replaced so Deno prints nothing: the gateway logs its own JSON line.
    const server = Deno.serve({ hostname, port, onListen() {} }, fetch)
    return {
      port: server.addr.port,
      stop: () => server.shutdown(),
    }
  },
  onShutdownSignal(handler) {
    const onTerm = () => handler('SIGTERM')
    const onInt = () => handler('SIGINT')
    Deno.addSignalListener('SIGTERM', onTerm)
    Deno.addSignalListener('SIGINT', onInt)
    return () => {
      Deno.removeSignalListener('SIGTERM', onTerm)
      Deno.removeSignalListener('SIGINT', onInt)
    }
  },
}
