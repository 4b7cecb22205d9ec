/** `serve` (the default command): load, set up, listen, and shut down cleanly on SIGTERM/SIGINT. */
import { serveGateway } from '../app.ts'
import { loadConfig } from '../config/load.ts'
import { currentRuntime } from '../runtime/index.ts'
import { CONFIG_OPTIONS, parse, requireConfig } from './args.ts'

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { ...CONFIG_OPTIONS })
  const path = requireConfig(values)
  const loaded = await loadConfig({ path, environment: values.env })
  // SIGHUP re-reads the same file with the same environment.
  const gateway = await serveGateway(loaded, await currentRuntime(), { source: { path, environment: values.env } })
  await gateway.stopped
  return 0
}
