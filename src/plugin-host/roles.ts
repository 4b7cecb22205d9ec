/**
 * What each running instance is routed to do, checked against what it implements: a `to:`
 * target must have deliver(), a `decide:` instance must have decide(). Only set-up instances
 * can tell (setup returns the methods), so this runs at start and at reload, not in validate.
 */
import type { RouteConfig } from '../config/schema.ts'
import { PluginError } from '../errors.ts'
import type { RunningPlugin } from './host.ts'

export function checkRoles(routes: readonly RouteConfig[], running: readonly RunningPlugin[]): void {
  const byId = new Map(running.map((p) => [p.spec.id, p]))
  const problems: string[] = []
  routes.forEach((route, i) => {
    for (const id of route.to ?? []) {
      const found = byId.get(id)
      if (found && typeof found.instance.deliver !== 'function') {
        problems.push(`routes[${i}].to: plugin instance "${id}" (${found.spec.use}) has no deliver(); it can only decide (use it as decide: ${id})`)
      }
    }
    const found = route.decide === undefined ? undefined : byId.get(route.decide)
    if (found && typeof found.instance.decide !== 'function') {
      problems.push(`routes[${i}].decide: plugin instance "${route.decide}" (${found.spec.use}) has no decide(); it can only deliver (list it under to:)`)
    }
  })
  if (problems.length) throw new PluginError(problems.join('\n'))
}

/** The running instances that decide, by id. */
export function decidersOf(running: readonly RunningPlugin[]): Map<string, RunningPlugin['instance']> {
  return new Map(running.filter((p) => typeof p.instance.decide === 'function').map((p) => [p.spec.id, p.instance]))
}
