/**
 * Route matching (docs/design.md §3 `routes`): every route whose `match` and `where` hold gets
 * the event; each plugin instance gets it at most once; disabled instances are skipped.
 * Pure: no I/O, no config loading.
 */
import type { RouteConfig } from '../config/schema.ts'

type Scalar = string | number | boolean

export interface CompiledRoute {
  match: string
  matchesCommand: (command: string) => boolean
  where: Array<{ path: string[]; accepted: Set<string> }>
  to: string[]
}

export interface RouteTable {
  routes: CompiledRoute[]
  /** Enabled plugin instance ids for this event, in route order, without repeats. */
  targetsFor(command: string, payload: Record<string, unknown>): string[]
}

/** `*` matches any run of characters; everything else is literal. */
export function commandMatcher(pattern: string): (command: string) => boolean {
  if (pattern === '*') return () => true
  if (!pattern.includes('*')) return (command) => command === pattern
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  const regex = new RegExp(`^${source}$`)
  return (command) => regex.test(command)
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

export function compileRoutes(routes: readonly RouteConfig[], enabled: ReadonlySet<string>): RouteTable {
  const compiled: CompiledRoute[] = routes.map((route) => ({
    match: route.match,
    matchesCommand: commandMatcher(route.match),
    where: Object.entries(route.where ?? {}).map(([path, value]) => ({
      path: path.split('.'),
      accepted: new Set((Array.isArray(value) ? value : [value]).map((v: Scalar) => String(v))),
    })),
    to: route.to.filter((id) => enabled.has(id)),
  }))
  // Commands are few and repeat; remember which routes match each one.
  const byCommand = new Map<string, CompiledRoute[]>()

  function targetsFor(command: string, payload: Record<string, unknown>): string[] {
    let candidates = byCommand.get(command)
    if (!candidates) {
      candidates = compiled.filter((route) => route.matchesCommand(command))
      if (byCommand.size < 1024) byCommand.set(command, candidates)
    }
    const targets: string[] = []
    for (const route of candidates) {
      const holds = route.where.every(({ path, accepted }) => {
        const text = asText(readPath(payload, path))
        return text !== undefined && accepted.has(text)
      })
      if (!holds) continue
      for (const id of route.to) if (!targets.includes(id)) targets.push(id)
    }
    return targets
  }

  return { routes: compiled, targetsFor }
}
