/** `dlq list | replay ID | replay --all [--plugin P] | purge`: dead letters, against the store (SQLite or PostgreSQL) while servers run. */
import { withStore } from './store.ts'
import { CONFIG_OPTIONS, nestedCommand, parse, printUsage, usage, UsageError, type CommandSpec, type OptionSpecs } from './args.ts'

const PLUGIN = { type: 'string', value: 'ID', help: 'only the dead letters of this plugin instance', default: 'every instance' } as const
const ALL = { type: 'boolean', help: 'every dead letter (of --plugin, when given), instead of one ID' } as const
const JSON_ = { type: 'boolean', help: 'print a JSON array instead of the table' } as const
const ID = { name: 'ID', help: 'the delivery id of one dead letter, as `dlq list` prints it' }
const STORE_NOTE = "Works on the config's store (SQLite or PostgreSQL; it must exist) while the server runs."

const LIST_OPTIONS = { plugin: PLUGIN, json: JSON_, ...CONFIG_OPTIONS } satisfies OptionSpecs
const SELECT_OPTIONS = { all: ALL, plugin: PLUGIN, ...CONFIG_OPTIONS } satisfies OptionSpecs

const ACTIONS = {
  list: {
    synopsis: ['dlq list [--plugin ID] [--json] [--config FILE] [--env NAME]'],
    summary: `Print the dead letters: delivery id, instance, command, attempts, when it died, the last and the\nfirst error.\n${STORE_NOTE}`,
    options: LIST_OPTIONS,
  },
  replay: {
    synopsis: ['dlq replay ID [--config FILE] [--env NAME]', 'dlq replay --all [--plugin ID] [--config FILE] [--env NAME]'],
    summary: `Move dead letters back to pending, due now, with a fresh attempt budget: a running server\ndelivers them. Exits 1 when ID is not a dead letter.\n${STORE_NOTE}`,
    options: SELECT_OPTIONS,
    args: [ID],
  },
  purge: {
    synopsis: ['dlq purge ID [--config FILE] [--env NAME]', 'dlq purge --all [--plugin ID] [--config FILE] [--env NAME]'],
    summary: `Delete dead letters; the events themselves are pruned later by retention.\nExits 1 when ID is not a dead letter.\n${STORE_NOTE}`,
    options: SELECT_OPTIONS,
    args: [ID],
  },
} satisfies Record<string, CommandSpec>

/** `dlq` itself: its usage lists the three commands and every option any of them takes. */
export const DLQ: CommandSpec = {
  synopsis: ACTIONS.list.synopsis.concat(ACTIONS.replay.synopsis, ACTIONS.purge.synopsis),
  summary: `Dead letters: deliveries that ran out of attempts or failed permanently.\n${STORE_NOTE}\n\ncommands:\n  list    print the dead letters\n  replay  move dead letters back to pending, with a fresh attempt budget\n  purge   delete dead letters`,
  options: { all: { ...ALL, help: `replay, purge: ${ALL.help}` }, plugin: PLUGIN, json: { ...JSON_, help: `list: ${JSON_.help}` }, ...CONFIG_OPTIONS },
  args: [{ ...ID, help: `replay, purge: ${ID.help}` }],
  notes: ['Run `bun src/main.ts dlq COMMAND --help` for one command.'],
}

export async function dlqCommand(args: string[]): Promise<number> {
  const picked = nestedCommand('dlq', DLQ, Object.keys(ACTIONS), args)
  if (picked === 'help') return printUsage(DLQ)
  const { name, rest } = picked
  if (name === 'list') return list(rest)
  return select(name as 'replay' | 'purge', rest)
}

async function list(args: string[]): Promise<number> {
  const { values, help } = parse(args, ACTIONS.list)
  if (help) return printUsage(ACTIONS.list)
  return withStore(values, async (store) => {
    const dead = await store.listDead(values.plugin)
    if (values.json) console.log(JSON.stringify(dead))
    else if (dead.length === 0) console.log('no dead letters')
    else {
      console.log(['ID', 'PLUGIN', 'COMMAND', 'ATTEMPTS', 'DEAD AT', 'LAST ERROR', 'FIRST ERROR'].join('\t'))
      for (const d of dead) {
        const first = d.firstError === d.lastError ? '(same)' : (d.firstError ?? '')
        console.log([d.id, d.plugin, d.command, d.attempts, new Date(d.deadAt).toISOString(), d.lastError ?? '', first].join('\t'))
      }
    }
    return 0
  })
}

async function select(action: 'replay' | 'purge', args: string[]): Promise<number> {
  const spec = ACTIONS[action]
  const { values, positionals, help } = parse(args, spec)
  if (help) return printUsage(spec)
  const [idText] = positionals
  let id: number | undefined
  if (idText !== undefined) {
    if (!/^\d+$/.test(idText)) throw new UsageError(`ID must be a delivery id (a number, as \`dlq list\` prints it), got "${idText}"`, usage(spec))
    if (values.all) throw new UsageError('give an ID or --all, not both', usage(spec))
    id = Number(idText)
  } else if (!values.all) throw new UsageError(`dlq ${action} needs an ID or --all`, usage(spec))
  return withStore(values, async (store) => {
    const count = action === 'replay' ? await store.replayDead({ id, plugin: values.plugin }) : await store.purgeDead({ id, plugin: values.plugin })
    if (id !== undefined && count === 0) {
      // Nothing matched: say why, since "0 dead letters" does not tell a typo from a delivery that is still queued.
      const found = await store.findDelivery(id)
      if (!found) console.error(`no delivery ${id}`)
      else if (found.status === 'dead' && values.plugin !== undefined)
        console.error(`delivery ${id} is a dead letter of "${found.plugin}", not of --plugin "${values.plugin}"`)
      else console.error(`delivery ${id} is not a dead letter (it is ${found.status})`)
      return 1
    }
    console.log(`${action === 'replay' ? 'replayed' : 'purged'} ${count} dead letter${count === 1 ? '' : 's'}`)
    return 0
  })
}
