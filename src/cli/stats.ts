/** `stats`: per plugin instance, queue depth, in flight, dead letters and the oldest pending delivery's age. */
import { openStore } from '../store/open.ts'
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

/** An instance enabled in the chosen environment, disabled there, or absent from the config (its queue waits for it). */
type QueueState = 'enabled' | 'disabled' | 'absent'

function age(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 120) return `${seconds}s`
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`
  return `${(seconds / 3600).toFixed(1)}h`
}

export async function statsCommand(args: string[]): Promise<number> {
  const { values, help } = parse(args, STATS)
  if (help) return printUsage(STATS)
  // Only the store is opened: plugin options (and the secrets they interpolate) are not needed.
  const loaded = await loadConfig({ path: configPath(values), environment: values.env, scope: 'store' })
  const store = await openStore(loaded)
  try {
    const now = Date.now()
    const rows = await store.stats()
    // Every instance of the config is shown, with zeros when nothing is queued, disabled ones too.
    const known = new Set(rows.map((row) => row.plugin))
    for (const instance of loaded.instances) {
      if (!known.has(instance.id)) rows.push({ plugin: instance.id, pending: 0, dead: 0, inFlight: store.shared ? 0 : undefined })
    }
    rows.sort((a, b) => a.plugin.localeCompare(b.plugin))
    const states = new Map<string, QueueState>(loaded.instances.map((i) => [i.id, i.enabled ? 'enabled' : 'disabled']))
    const stateOf = (plugin: string): QueueState => states.get(plugin) ?? 'absent'
    if (values.json) {
      console.log(
        JSON.stringify({
          store: store.kind,
          queues: rows.map((row) => ({
            ...row,
            inFlight: row.inFlight ?? null,
            oldestPendingAgeMs: row.oldestPendingAt === undefined ? null : now - row.oldestPendingAt,
            // Kept as it was (enabled in this config) for scripts written against it; `state` says more.
            configured: stateOf(row.plugin) === 'enabled',
            state: stateOf(row.plugin),
          })),
        }),
      )
      return 0
    }
    const label: Record<QueueState, (plugin: string) => string> = {
      enabled: (plugin) => plugin,
      disabled: (plugin) => `${plugin} (disabled)`,
      absent: (plugin) => `${plugin} (not in this config)`,
    }
    console.log(`store: ${store.kind}`)
    console.log(['PLUGIN', 'PENDING', 'IN FLIGHT', 'DEAD', 'OLDEST PENDING'].join('\t'))
    for (const row of rows) {
      const name = label[stateOf(row.plugin)](row.plugin)
      console.log([name, row.pending, row.inFlight ?? '-', row.dead, row.oldestPendingAt === undefined ? '-' : age(now - row.oldestPendingAt)].join('\t'))
    }
    return 0
  } finally {
    await store.close()
  }
}
