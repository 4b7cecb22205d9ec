/** `serve` (the default command): load, set up, listen, and shut down cleanly on SIGTERM/SIGINT. */
import { serveGateway } from '../gateway/serve.ts'
import { loadConfig } from '../config/load.ts'
import { currentRuntime } from '../runtime/index.ts'
import { CONFIG_OPTIONS, configPath, parse, printUsage, type CommandSpec } from './args.ts'

export const SERVE: CommandSpec<typeof CONFIG_OPTIONS> = {
  // The second form is what `npm start` and existing service files run: options, no command.
  synopsis: ['serve [--config FILE] [--env NAME]', '--config FILE [--env NAME]'],
  summary:
    'Verify, store and answer callbacks, and deliver them to the plugin instances, until SIGTERM or\nSIGINT. SIGHUP re-reads the same config file with the same environment.',
  options: CONFIG_OPTIONS,
}

export async function serveCommand(args: string[]): Promise<number> {
  const { values, help } = parse(args, SERVE)
  if (help) return printUsage(SERVE)
  const path = configPath(values)
  const loaded = await loadConfig({ path, environment: values.env })
  // SIGHUP re-reads the same file with the same environment.
  const gateway = await serveGateway(loaded, await currentRuntime(), { source: { path, environment: values.env } })
  await gateway.stopped
  return 0
}
