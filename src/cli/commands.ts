/**
 * `commands`: every callback command the gateway knows, from the registry (docs/design.md
 * §8.3) and the TRTC table, with its product, kind, meaning and Tencent page. Reads no config.
 */
import { COMMANDS } from '../tencent/commands/index.ts'
import { TRTC_COMMANDS } from '../tencent/trtc.ts'
import { parse, printUsage, type CommandSpec, type OptionSpecs } from './args.ts'

const OPTIONS = {
  json: { type: 'boolean', help: 'print a JSON array of {command, product, kind, meaning, page}' },
} satisfies OptionSpecs

export const COMMANDS_LIST: CommandSpec<typeof OPTIONS> = {
  synopsis: ['commands [--json]'],
  summary:
    'Lists every callback command the gateway types: product (Chat, Live, Room, TRTC), kind\n(before: the answer decides; after: a notification), a one-line meaning and its Tencent page.\nAny other command is still accepted and delivered, untyped.',
  options: OPTIONS,
}

export interface CommandInfo {
  command: string
  product: 'Chat' | 'Live' | 'Room' | 'TRTC'
  kind: 'before' | 'after'
  meaning: string
  page: string
}

/** Every known command: Live, Room, Chat, then TRTC. */
export function knownCommands(): CommandInfo[] {
  const info = ({ command, product, kind, meaning, page }: CommandInfo): CommandInfo => ({ command, product, kind, meaning, page })
  return [...COMMANDS.map(info), ...TRTC_COMMANDS.map(info)]
}

function table(rows: CommandInfo[]): string {
  const cells = [['COMMAND', 'PRODUCT', 'KIND', 'MEANING', 'PAGE'], ...rows.map((r) => [r.command, r.product, r.kind, r.meaning, r.page])]
  const widths = [0, 1, 2, 3].map((i) => Math.max(...cells.map((row) => row[i]!.length)))
  return cells.map((row) => row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  ')).join('\n')
}

export async function commandsCommand(args: string[]): Promise<number> {
  const { values, help } = parse(args, COMMANDS_LIST)
  if (help) return printUsage(COMMANDS_LIST)
  const rows = knownCommands()
  console.log(values.json ? JSON.stringify(rows, null, 2) : table(rows))
  return 0
}
