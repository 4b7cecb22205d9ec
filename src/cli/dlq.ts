/** `dlq list | replay ID | replay --all [--plugin P] | purge`: dead letters, against the store (SQLite or PostgreSQL) while servers run. */
import { openStore } from '../app.ts'
import { loadConfig } from '../config/load.ts'
import { CONFIG_OPTIONS, parse, requireConfig, UsageError } from './args.ts'

export async function dlqCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...CONFIG_OPTIONS,
    plugin: { type: 'string' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
  })
  const [action, idText] = positionals
  if (!action || !['list', 'replay', 'purge'].includes(action)) throw new UsageError('usage: dlq list | replay ID | replay --all [--plugin P] | purge [ID | --all] [--plugin P]')
  const loaded = await loadConfig({ path: requireConfig(values), environment: values.env })
  // The same store the server uses: the SQLite file, or PostgreSQL from any machine with the URL.
  const store = await openStore(loaded)
  try {
    if (action === 'list') {
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
    }
    let id: number | undefined
    if (idText !== undefined) {
      if (!/^\d+$/.test(idText)) throw new UsageError(`dead letter id must be a number, got "${idText}"`)
      id = Number(idText)
    } else if (!values.all) throw new UsageError(`dlq ${action} needs an ID or --all`)
    const count = action === 'replay' ? await store.replayDead({ id, plugin: values.plugin }) : await store.purgeDead({ id, plugin: values.plugin })
    console.log(`${action === 'replay' ? 'replayed' : 'purged'} ${count} dead letter${count === 1 ? '' : 's'}`)
    return id !== undefined && count === 0 ? 1 : 0
  } finally {
    await store.close()
  }
}
