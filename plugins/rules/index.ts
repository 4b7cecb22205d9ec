/**
 * rules: decides Before callbacks from declarative rules in the config (banned words, regexes,
 * numeric bounds, per-user rate limits), so common checks need no hand-written plugin.
 *
 * Rules are checked in order; the first that fires decides, and when none fires the `default`
 * decision (allow) is the answer. A rule fires when its command matches, all its `if` conditions
 * hold, and, with a `limit`, the key is over its limit. Everything is compiled at setup (word
 * lists into one trie-shaped regex each, paths into steps, regexes, sets and thresholds), so
 * `decide` only walks the payload fields the rules name. See README.md for the options.
 */
import { definePlugin } from '../../src/plugin.ts'
import type { Decision, GatewayEvent } from '../../src/plugin.ts'
import { compileRules, type CompiledRule } from './compile.ts'
import { RulesOptions } from './options.ts'
import { valueAt } from './path.ts'

export { RulesOptions }

/** Commands are few and repeat: the rules of each are remembered, up to this many commands. */
const COMMAND_CACHE = 1024

function conditionsHold(rule: CompiledRule, payload: Record<string, unknown>): boolean {
  for (let i = 0; i < rule.conditions.length; i++) if (!rule.conditions[i]!(payload)) return false
  return true
}

/** The rate-limit key: a string, or a number as text; anything else is not limited. */
function limitKey(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

export default definePlugin({
  name: 'rules',
  options: RulesOptions,
  async setup(ctx) {
    const { rules, fallback, wordCounts } = await compileRules(ctx.options, ctx.configDir)
    ctx.logger.info('rules ready', {
      rules: rules.length,
      limits: rules.filter((rule) => rule.limit).length,
      wordLists: wordCounts,
      default: fallback.action,
    })

    const byCommand = new Map<string, CompiledRule[]>()
    function rulesFor(command: string): CompiledRule[] {
      let found = byCommand.get(command)
      if (!found) {
        found = rules.filter((rule) => rule.appliesTo(command))
        if (byCommand.size < COMMAND_CACHE) byCommand.set(command, found)
      }
      return found
    }

    function fired(event: GatewayEvent, rule: CompiledRule, key?: string): Decision {
      // The user id of a limit, never message text: payload values stay out of the log.
      ctx.logger.debug('rule fired', { eventId: event.id, command: event.command, rule: rule.label, action: rule.decision.action, key })
      return { ...rule.decision }
    }

    return {
      decide(event) {
        const payload = event.payload
        for (const rule of rulesFor(event.command)) {
          if (!conditionsHold(rule, payload)) continue
          if (!rule.limit) return fired(event, rule)
          const key = limitKey(valueAt(payload, rule.limit.by))
          if (key !== undefined && rule.limit.window.exceeded(key)) return fired(event, rule, key)
        }
        ctx.logger.debug('no rule fired', { eventId: event.id, command: event.command, action: fallback.action })
        return { ...fallback }
      },
    }
  },
})
