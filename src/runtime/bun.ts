/** Bun: Bun.serve. */
import type { Runtime } from './types.ts'

export const bunRuntime: Runtime = {
  name: 'bun',
  async serve({ hostname, port, fetch, maxRequestBodySize }) {
    const server = Bun.serve({ hostname, port, fetch, maxRequestBodySize })
    return {
      port: server.port ?? port,
      // Without `true`, Bun lets in-flight requests finish.
      stop: () => server.stop(),
    }
  },
  onShutdownSignal(handler) {
    const onTerm = () => handler('SIGTERM')
    const onInt = () => handler('SIGINT')
    process.on('SIGTERM', onTerm)
    process.on('SIGINT', onInt)
    return () => {
      process.off('SIGTERM', onTerm)
      process.off('SIGINT', onInt)
    }
  },
}
