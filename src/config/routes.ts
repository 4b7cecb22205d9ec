/**
 * Checks on `routes` that the schema cannot express (docs/design.md §3): match patterns, the
 * plugin instances a route names, and the decision keys (docs/design.md §9).
 */
import { commandMatcher } from '../tencent/command-pattern.ts'
import { didYouMean } from '../suggest.ts'
import { beforeCommand, BEFORE_COMMANDS } from '../tencent/decisions.ts'
import { isPlainObject } from './merge.ts'
import { routeAppProblems, type AppSpec } from './apps.ts'

const ROUTE_PATTERN = /^[A-Za-z0-9_.*]+$/

/** Whether a route's match can name a Before callback: a known one, or an exact name shaped like one. */
export function matchesBefore(match: string): boolean {
  if (!match.includes('*')) return beforeCommand(match) !== undefined
  const matches = commandMatcher(match)
  // A pattern may also cover Before commands the gateway has no entry for yet (Foo.*).
  return [...BEFORE_COMMANDS.keys()].some(matches) || /Before|Prev/.test(match) || !match.includes('.Callback')
}

/**
 * Problems with the routes, each prefixed with its path (routes[2].decide: …). `apps`: the
 * app table that `app:` entries must name (undefined: the table is broken, reported already).
 */
export function routeProblems(routes: unknown[], ids: string[], apps?: readonly AppSpec[]): string[] {
  const problems: string[] = []
  const known = (path: string, id: unknown) => {
    if (typeof id === 'string' && !ids.includes(id)) problems.push(`${path}: unknown plugin instance "${id}"${didYouMean(id, ids)}`)
  }
  routes.forEach((route, i) => {
    if (!isPlainObject(route) || typeof route.match !== 'string') return
    if (!ROUTE_PATTERN.test(route.match)) problems.push(`routes[${i}].match: "${route.match}" is not a command or a pattern such as Live.* or *`)
    if (Array.isArray(route.to)) route.to.forEach((id, j) => known(`routes[${i}].to[${j}]`, id))
    known(`routes[${i}].decide`, route.decide)
    if (route.app !== undefined && apps) problems.push(...routeAppProblems(`routes[${i}].app`, route.app, apps))
    if (route.to === undefined && route.decide === undefined && route.onFailure === undefined) {
      problems.push(`routes[${i}]: a route needs to: (plugin instances that get the event) or decide: (the instance that answers a Before callback)`)
    }
    if (route.budgetMs !== undefined && route.decide === undefined) problems.push(`routes[${i}].budgetMs: only used with decide:`)
    if ((route.decide !== undefined || route.onFailure !== undefined) && !matchesBefore(route.match)) {
      const key = route.decide !== undefined ? 'decide' : 'onFailure'
      problems.push(`routes[${i}].${key}: "${route.match}" is not a Before callback; only Before callbacks (such as Live.CallbackBeforeSendGift) are decided`)
    }
  })
  return problems
}
