/** Deno: Deno.serve. Declares the few Deno APIs it uses, so tsc (with bun-types) checks this file too. */
import { denoPathAt, routable } from './request-url.ts'
import type { Runtime } from './types.ts'

interface DenoServer {
  addr: { port: number }
  shutdown(): Promise<void>
}
interface DenoServeInfo {
  remoteAddr: { hostname: string }
}
declare const Deno: {
  serve(
    options: { hostname: string; port: number; onListen?: () => void },
    handler: (request: Request, info: DenoServeInfo) => Response | Promise<Response>,
  ): DenoServer
  addSignalListener(signal: string, handler: () => void): void
  removeSignalListener(signal: string, handler: () => void): void
}

export const denoRuntime: Runtime = {
  name: 'deno',
  async serve({ hostname, port, fetch }) {
    // onListen replaced so Deno prints nothing: the gateway logs its own JSON line.
    const server = Deno.serve({ hostname, port, onListen() {} }, (request, info) => {
      const routed = routable(request, denoPathAt(request.url, request.headers.get('host')))
      return fetch(routed, info.remoteAddr.hostname)
    })
    return {
      port: server.addr.port,
      stop: () => server.shutdown(),
    }
  },
  onSignals({ shutdown, reload }) {
    const onTerm = () => shutdown('SIGTERM')
    const onInt = () => shutdown('SIGINT')
    Deno.addSignalListener('SIGTERM', onTerm)
    Deno.addSignalListener('SIGINT', onInt)
    Deno.addSignalListener('SIGHUP', reload)
    return () => {
      Deno.removeSignalListener('SIGTERM', onTerm)
      Deno.removeSignalListener('SIGINT', onInt)
      Deno.removeSignalListener('SIGHUP', reload)
    }
  },
}
