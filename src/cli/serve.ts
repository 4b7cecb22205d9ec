/** `serve` (the default command): load, set up, listen, and shut down cleanly on SIGTERM/SIGINT. */
import { serveGateway } from '../app.ts'
import { loadConfig } from '../config/load.ts'
import { currentRuntime } from '../runtime/index.ts'
import { CONFIG_OPTIONS, parse, requireConfig } from './args.ts'

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { ...CONFIG_OPTIONS })
  const loaded = await loadConfig({ path: requireConfig(values), environment: values.env })
  const gateway = await serveGateway(loaded, await currentRuntime())
  await gateway.stopped
  return 0
}
