/**
 * Config reload planning (SIGHUP): which plugin instances stay, which are set up anew, which
 * retire, and which changed settings only a restart applies. Pure: no I/O.
 */
import type { LoadedConfig, PluginInstanceSpec } from './config/load.ts'

export interface ReloadPlan {
  /** Running instances that stay as they are. */
  keep: string[]
  /** New or changed instances to set up before anything is swapped. */
  setUp: PluginInstanceSpec[]
  /** Running instances that are removed, disabled or replaced. */
  retire: string[]
  /** Config sections that changed but only take effect on restart. */
  needsRestart: string[]
}

function sameInstance(a: PluginInstanceSpec, b: PluginInstanceSpec): boolean {
  return (
    a.use === b.use &&
    a.file === b.file &&
    a.concurrency === b.concurrency &&
    JSON.stringify(a.options) === JSON.stringify(b.options) &&
    JSON.stringify(a.retry) === JSON.stringify(b.retry)
  )
}

export function planReload(current: LoadedConfig, running: PluginInstanceSpec[], next: LoadedConfig): ReloadPlan {
  const enabled = next.instances.filter((spec) => spec.enabled && spec.definition)
  const byId = new Map(running.map((spec) => [spec.id, spec]))
  const plan: ReloadPlan = { keep: [], setUp: [], retire: [], needsRestart: [] }
  for (const spec of enabled) {
    const old = byId.get(spec.id)
    if (old && sameInstance(old, spec)) plan.keep.push(spec.id)
    else plan.setUp.push(spec)
  }
  const staying = new Set(plan.keep)
  plan.retire = running.filter((spec) => !staying.has(spec.id)).map((spec) => spec.id)
  for (const key of ['server', 'store', 'dedupWindowSeconds'] as const) {
    if (JSON.stringify(restartOnly(current, key)) !== JSON.stringify(restartOnly(next, key))) plan.needsRestart.push(key)
  }
  return plan
}

/**
 * A section's settings that only a restart applies. The listener's address, path and limits
 * are fixed once it listens, but the caller checks (allowIps, trustProxy) are part of the
 * ingress state that a reload swaps at once.
 */
function restartOnly(loaded: LoadedConfig, key: 'server' | 'store' | 'dedupWindowSeconds'): unknown {
  if (key !== 'server') return loaded.config[key]
  const { allowIps: _allowIps, trustProxy: _trustProxy, ...rest } = loaded.config.server
  return rest
}
