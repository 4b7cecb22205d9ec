/**
 * Route matching (docs/design.md §3 `routes`): every route whose `match` and `where` hold gets
 * the event; each plugin instance gets it at most once; disabled instances are skipped.
 * For a Before callback, the first matching route with an enabled `decide` decides
 * (docs/design.md §9). A route with `app:` holds only for callbacks of those apps
 * (docs/design.md §3). Pure: no I/O, no config loading.
 */
import { appIdFor, type AppSpec } from '../config/apps.ts'
import { DEFAULT_BUDGET_MS, type RouteConfig } from '../config/schema.ts'
import { commandMatcher } from '../tencent/command-pattern.ts'
import { beforeCommand, type BeforeCommand, type FailurePolicy } from '../tencent/decisions.ts'

export { commandMatcher }

type Scalar = string | number | boolean

export interface CompiledRoute {
  match: string
  matchesCommand: (command: string) => boolean
  where: Array<{ path: string[]; accepted: Set<string> }>
  /** The SdkAppids this route is for (from `app:`); undefined: every app. */
  apps?: ReadonlySet<string>
  to: string[]
  /** The route's decider, when it names one and that instance is enabled. */
  decide?: string
  /** The route names a decider (enabled or not) or a failure policy. */
  decides: boolean
  budgetMs: number
  onFailure?: FailurePolicy
}

/** How a Before callback is answered. */
export interface DecisionPlan {
  spec: BeforeCommand
  /** The plugin instance to ask; none: the answer is `onFailure`. */
  decider?: string
  budgetMs: number
  onFailure: FailurePolicy
}

export interface Resolved {
  /** Enabled plugin instance ids for this event, in route order, without repeats. */
  targets: string[]
  /** Present for Before callbacks only. */
  decision?: DecisionPlan
}

export interface RouteTable {
  routes: CompiledRoute[]
  /**
   * Enabled plugin instance ids for this event, in route order, without repeats. `sdkAppId`:
   * the app the callback came for; without it, routes limited by `app:` do not hold.
   */
  targetsFor(command: string, payload: Record<string, unknown>, sdkAppId?: string): string[]
  /** The targets and, for a Before callback, who decides and how. */
  resolve(command: string, payload: Record<string, unknown>, sdkAppId?: string): Resolved
}

/** Reads a dotted path (`RoomInfo.RoomType`) from a payload. */
function readPath(payload: Record<string, unknown>, path: string[]): unknown {
  let node: unknown = payload
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

// Compared as text: big integers reach the payload as digit strings, and YAML may give a number.
function asText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined
}

/**
 * `apps`: the app table that resolves `app:` names to SdkAppids (config/apps.ts); an entry
 * that names no app is taken as an SdkAppid (the loader has already refused unknown ones).
 */
export function compileRoutes(routes: readonly RouteConfig[], enabled: ReadonlySet<string>, apps: readonly AppSpec[] = []): RouteTable {
  const compiled: CompiledRoute[] = routes.map((route) => ({
    match: route.match,
    matchesCommand: commandMatcher(route.match),
    where: Object.entries(route.where ?? {}).map(([path, value]) => ({
      path: path.split('.'),
      accepted: new Set((Array.isArray(value) ? value : [value]).map((v: Scalar) => String(v))),
    })),
    ...(route.app !== undefined && { apps: new Set([route.app].flat().map((ref) => appIdFor(apps, ref) ?? String(ref))) }),
    to: (route.to ?? []).filter((id) => enabled.has(id)),
    decide: route.decide !== undefined && enabled.has(route.decide) ? route.decide : undefined,
    decides: route.decide !== undefined || route.onFailure !== undefined,
    budgetMs: route.budgetMs ?? DEFAULT_BUDGET_MS,
    onFailure: route.onFailure,
  }))
  // Commands are few and repeat; remember which routes match each one.
  const byCommand = new Map<string, CompiledRoute[]>()

  function candidatesFor(command: string): CompiledRoute[] {
    let candidates = byCommand.get(command)
    if (!candidates) {
      candidates = compiled.filter((route) => route.matchesCommand(command))
      if (byCommand.size < 1024) byCommand.set(command, candidates)
    }
    return candidates
  }

  const holds = (route: CompiledRoute, payload: Record<string, unknown>, sdkAppId: string | undefined): boolean =>
    (!route.apps || (sdkAppId !== undefined && route.apps.has(sdkAppId))) &&
    route.where.every(({ path, accepted }) => {
      const text = asText(readPath(payload, path))
      return text !== undefined && accepted.has(text)
    })

  function resolve(command: string, payload: Record<string, unknown>, sdkAppId?: string): Resolved {
    const spec = beforeCommand(command)
    const targets: string[] = []
    // The policy comes from the first matching route with an enabled decider, else from the
    // first that names a decider or a policy; else it is Tencent's own no-answer behaviour.
    let decider: CompiledRoute | undefined
    let policy: CompiledRoute | undefined
    for (const route of candidatesFor(command)) {
      if (!holds(route, payload, sdkAppId)) continue
      for (const id of route.to) if (!targets.includes(id)) targets.push(id)
      if (spec && !decider && route.decides) {
        if (route.decide) decider = route
        else policy ??= route
      }
    }
    if (!spec) return { targets }
    const chosen = decider ?? policy
    const decision: DecisionPlan = { spec, budgetMs: chosen?.budgetMs ?? DEFAULT_BUDGET_MS, onFailure: chosen?.onFailure ?? spec.noAnswer }
    if (decider) decision.decider = decider.decide
    return { targets, decision }
  }

  return { routes: compiled, targetsFor: (command, payload, sdkAppId) => resolve(command, payload, sdkAppId).targets, resolve }
}
