/**
 * CLI entry (docs/cli.md): parse the subcommand and run it; nothing else.
 * Exit codes: 0 ok, 1 runtime failure, 2 bad config or bad arguments.
 */
import { readFileSync } from 'node:fs'
import { configHint, PROGRAM, usage, UsageError, type CommandSpec } from './cli/args.ts'
import { COMMANDS_LIST, commandsCommand } from './cli/commands.ts'
import { DLQ, dlqCommand } from './cli/dlq.ts'
import { EVENTS, eventsCommand } from './cli/events.ts'
import { SEND, sendCommand } from './cli/send.ts'
import { SERVE, serveCommand } from './cli/serve.ts'
import { STATS, statsCommand } from './cli/stats.ts'
import { VALIDATE, validateCommand } from './cli/validate.ts'
import { ConfigError, GatewayError } from './errors.ts'
import { flushLogs } from './log.ts'
import { didYouMean } from './suggest.ts'

const COMMANDS: Record<string, { spec: CommandSpec; run: (args: string[]) => Promise<number> }> = {
  serve: { spec: SERVE, run: serveCommand },
  validate: { spec: VALIDATE, run: validateCommand },
  send: { spec: SEND, run: sendCommand },
  dlq: { spec: DLQ, run: dlqCommand },
  events: { spec: EVENTS, run: eventsCommand },
  stats: { spec: STATS, run: statsCommand },
  commands: { spec: COMMANDS_LIST, run: commandsCommand },
}

const USAGE = `usage: ${PROGRAM} COMMAND [OPTIONS]
       ${PROGRAM} --config FILE [--env NAME]   (no command: serve)

Webhook gateway for Tencent Cloud callbacks: verify, store durably, answer, deliver to plugins.

commands:
  serve     verify, store and answer callbacks, and deliver them to the plugin instances
  validate  check the config; print the plugin instances and the routing table
  send      post a callback the way Tencent would, and print the answer
  dlq       list, replay or purge dead letters
  events    list stored events with filters and an id search, or show one with every attempt
  stats     per plugin instance: pending, in flight, dead letters, oldest pending age
  commands  list every callback command the gateway types, with its product, kind and page

Every command that reads a config takes --config FILE (default: ./config.yaml, in the current
directory) and --env NAME (default: $GATEWAY_ENV, else none).
Run \`${PROGRAM} COMMAND --help\` for a command's options.

options:
  -h, --help     print this help and exit
  -v, --version  print the version and exit`

/** The name and version of package.json, and the runtime: what a bug report needs. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string }
  const runtime = process.versions.deno
    ? `deno ${process.versions.deno}`
    : process.versions.bun
      ? `bun ${process.versions.bun}`
      : `node ${process.versions.node}`
  return `${pkg.name} ${pkg.version} (${runtime})`
}

async function run(name: string, args: string[]): Promise<number> {
  const command = COMMANDS[name]!
  try {
    return await command.run(args)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    // The message first, then the usage of the command it is about (a dlq command's own, when it set one).
    console.error(`${error.message}\n\n${error.usage ?? usage(command.spec)}`)
    return 2
  }
}

function unknownCommand(word: string): number {
  console.error(`unknown command "${word}"${didYouMean(word, Object.keys(COMMANDS)) || configHint(word)}\n\n${USAGE}`)
  return 2
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv
  // Bare: the usage, not a server. `npm start` and service files pass --config, so they still serve.
  if (first === undefined) {
    console.error(USAGE)
    return 2
  }
  if (first === '--help' || first === '-h') {
    console.log(USAGE)
    return 0
  }
  if (first === '--version' || first === '-v') {
    console.log(version())
    return 0
  }
  if (first === 'help') {
    const [topic, ...more] = rest
    if (topic === undefined) {
      console.log(USAGE)
      return 0
    }
    return Object.hasOwn(COMMANDS, topic) ? run(topic, [...more, '--help']) : unknownCommand(topic)
  }
  if (first.startsWith('-')) return run('serve', argv)
  if (!Object.hasOwn(COMMANDS, first)) return unknownCommand(first)
  return run(first, rest)
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
