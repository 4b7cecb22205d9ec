/** Bun: Bun.serve. */
import { bunPathAt, routable } from './request-url.ts'
import type { Runtime } from './types.ts'

/** Bun reads it once at start; setting it later changes nothing. */
const BUN_DEFAULT_FETCH_LIMIT = 256

export const bunRuntime: Runtime = {
  name: 'bun',
  fetchLimit: Number(process.env.BUN_CONFIG_MAX_HTTP_REQUESTS) || BUN_DEFAULT_FETCH_LIMIT,
  async serve({ hostname, port, fetch, maxRequestBodySize }) {
    const server = Bun.serve({
      hostname,
      port,
      maxRequestBodySize,
      fetch(request, server) {
        const routed = routable(request, bunPathAt(request.url))
        return fetch(routed, server.requestIP(request)?.address)
      },
    })
    return {
      port: server.port ?? port,
      // Without `true`, Bun lets in-flight requests finish.
      stop: () => server.stop(),
    }
  },
  onSignals({ shutdown, reload }) {
    const onTerm = () => shutdown('SIGTERM')
    const onInt = () => shutdown('SIGINT')
    process.on('SIGTERM', onTerm)
    process.on('SIGINT', onInt)
    process.on('SIGHUP', reload)
    return () => {
      process.off('SIGTERM', onTerm)
      process.off('SIGINT', onInt)
      process.off('SIGHUP', reload)
    }
  },
}
