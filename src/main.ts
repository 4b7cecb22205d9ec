/**
 * CLI entry (DESIGN §2): parse the subcommand and run it; nothing else.
 * Exit codes: 0 ok, 1 runtime failure, 2 bad config or bad arguments.
 */
import { dlqCommand } from './cli/dlq.ts'
import { sendCommand } from './cli/send.ts'
import { serveCommand } from './cli/serve.ts'
import { statsCommand } from './cli/stats.ts'
import { validateCommand } from './cli/validate.ts'
import { ConfigError, GatewayError } from './errors.ts'
import { flushLogs } from './log.ts'

const USAGE = `usage:
  bun src/main.ts [serve] --config FILE [--env NAME]
  bun src/main.ts validate --config FILE [--env NAME]
  bun src/main.ts send --url URL [--command CMD] [--file body.json] [--token T] [--sdk-app-id ID | --config FILE]
  bun src/main.ts dlq list|replay|purge --config FILE [ID | --all] [--plugin ID] [--json]
  bun src/main.ts stats --config FILE [--json]`

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  serve: serveCommand,
  validate: validateCommand,
  send: sendCommand,
  dlq: dlqCommand,
  stats: statsCommand,
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === '--help' || first === '-h' || first === 'help') {
    console.log(USAGE)
    return 0
  }
  if (first === undefined || first.startsWith('-')) return serveCommand(argv)
  const command = COMMANDS[first]
  if (!command) {
    console.error(`unknown command "${first}"\n${USAGE}`)
    return 2
  }
  return command(rest)
}

let code: number
try {
  code = await main(process.argv.slice(2))
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message)
    code = 2
  } else if (error instanceof GatewayError) {
    console.error(`error: ${error.message}`)
    code = error.status === 2 ? 2 : 1
  } else {
    console.error('error:', error instanceof Error ? error.message : error)
    code = 1
  }
}
// Exit explicitly: a served gateway has shut down by now, and idle keep-alive sockets must not hold the process.
flushLogs()
process.exit(code)
