/** `stats`: per plugin instance, queue depth, in flight, dead letters and the oldest pending delivery's age. */
import { openStore } from '../app.ts'
import { loadConfig } from '../config/load.ts'
import { CONFIG_OPTIONS, configPath, parse, printUsage, type CommandSpec, type OptionSpecs } from './args.ts'

const OPTIONS = {
  json: { type: 'boolean', help: 'print one JSON object instead of the table' },
  ...CONFIG_OPTIONS,
} satisfies OptionSpecs

export const STATS: CommandSpec<typeof OPTIONS> = {
  synopsis: ['stats [--json] [--config FILE] [--env NAME]'],
  summary:
    "Per plugin instance: deliveries pending, in flight, dead, and the age of the oldest pending one,\nfrom the config's store (it must exist; nothing is created), while the server runs.",
  options: OPTIONS,
}

function age(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 120) return `${seconds}s`
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`
  return `${(seconds / 3600).toFixed(1)}h`
}

export async function statsCommand(args: string[]): Promise<number> {
  const { values, help } = parse(args, STATS)
  if (help) return printUsage(STATS)
  const loaded = await loadConfig({ path: configPath(values), environment: values.env })
  const store = await openStore(loaded)
  try {
    const now = Date.now()
    const rows = await store.stats()
    // Instances of the config with nothing queued are shown too, with zeros.
    const known = new Set(rows.map((row) => row.plugin))
    for (const instance of loaded.instances) {
      if (instance.enabled && !known.has(instance.id)) rows.push({ plugin: instance.id, pending: 0, dead: 0, inFlight: store.shared ? 0 : undefined })
    }
    rows.sort((a, b) => a.plugin.localeCompare(b.plugin))
    const configured = new Set(loaded.instances.filter((i) => i.enabled).map((i) => i.id))
    if (values.json) {
      console.log(
        JSON.stringify({
          store: store.kind,
          queues: rows.map((row) => ({
            ...row,
            inFlight: row.inFlight ?? null,
            oldestPendingAgeMs: row.oldestPendingAt === undefined ? null : now - row.oldestPendingAt,
            configured: configured.has(row.plugin),
          })),
        }),
      )
      return 0
    }
    console.log(`store: ${store.kind}`)
    console.log(['PLUGIN', 'PENDING', 'IN FLIGHT', 'DEAD', 'OLDEST PENDING'].join('\t'))
    for (const row of rows) {
      const name = configured.has(row.plugin) ? row.plugin : `${row.plugin} (not in this config)`
      console.log([name, row.pending, row.inFlight ?? '-', row.dead, row.oldestPendingAt === undefined ? '-' : age(now - row.oldestPendingAt)].join('\t'))
    }
    return 0
  } finally {
    await store.close()
  }
}
