/**
 * Config reload planning (SIGHUP): which plugin instances stay, which are set up anew, which
 * retire, and which changed settings only a restart applies; and what changed, in words for
 * the log. Pure: no I/O.
 */
import type { PluginInstanceSpec } from '../config/instances.ts'
import type { LoadedConfig } from '../config/load.ts'

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
  // The TRTC path is a route of the app, fixed once it listens; its key and apps swap at once.
  if (current.config.trtc?.path !== next.config.trtc?.path) plan.needsRestart.push('trtc.path')
  if (JSON.stringify(current.config.admin) !== JSON.stringify(next.config.admin)) plan.needsRestart.push('admin')
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

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * What a reload changes, one phrase each, or `nothing changed`. Values are named only for
 * log.level: the others may hold secrets (tokens, webhook URLs in options) or be long.
 */
export function describeReload(current: LoadedConfig, next: LoadedConfig, plan: ReloadPlan): string[] {
  const was = current.config
  const now = next.config
  const out: string[] = []
  if (was.log.level !== now.log.level) out.push(`log.level: ${was.log.level} → ${now.log.level}`)
  if (!same(was.routes, now.routes)) out.push(`routes changed (${was.routes.length} → ${now.routes.length})`)
  if (!same(was.tencent, now.tencent)) out.push('tencent changed')
  if (!same(was.trtc, now.trtc)) out.push('trtc changed')
  for (const key of ['allowIps', 'trustProxy'] as const) {
    if (!same(was.server[key], now.server[key])) out.push(`server.${key} changed`)
  }
  const retiring = new Set(plan.retire)
  const settingUp = new Set(plan.setUp.map((spec) => spec.id))
  for (const id of settingUp) out.push(retiring.has(id) ? `replaced ${id} (its settings changed)` : `set up ${id}`)
  for (const id of retiring) if (!settingUp.has(id)) out.push(`retired ${id}`)
  for (const key of plan.needsRestart) out.push(`${key} changed (takes effect after a restart)`)
  return out.length ? out : ['nothing changed']
}
