/**
 * The options compiled at setup: word lists into regexes, conditions into tests, limits into
 * sliding windows, decisions into ready answers. Every problem is reported at once, each naming
 * its rule by index and name.
 */
import type { Decision } from '../../src/plugin.ts'
import { commandMatcher } from '../../src/tencent/command-pattern.ts'
import { compileCondition, type PayloadTest } from './conditions.ts'
import type { DecisionOption, RuleOption, RulesOptions } from './options.ts'
import { parsePath, walksArrays, type Step } from './path.ts'
import { slidingWindowLimit, type SlidingWindowLimit } from './rate-limit.ts'
import { compileWords, countWords, readWordFile } from './word-list.ts'

export interface CompiledRule {
  /** `rules[2] (gift-rate)`, or `rules[2]` for a rule without a name. */
  label: string
  name?: string
  appliesTo(command: string): boolean
  conditions: PayloadTest[]
  limit?: { by: Step[]; window: SlidingWindowLimit }
  decision: Decision
}

export interface CompiledRules {
  rules: CompiledRule[]
  fallback: Decision
  /** Distinct words per list, for the setup log line (never the words themselves). */
  wordCounts: Record<string, number>
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

/** Checks what the schema cannot: `fields` with `modify` only, and required for it. */
function compileDecision(option: DecisionOption, defaultInfo: string | undefined): Decision {
  if (option.action === 'modify' && (!option.fields || Object.keys(option.fields).length === 0)) {
    throw new Error('action modify needs fields (e.g. MsgBody or CloudCustomData) to put in the answer')
  }
  if (option.action !== 'modify' && option.fields !== undefined) throw new Error(`fields apply to action modify only, not ${option.action}`)
  const decision: Decision = { action: option.action }
  if (option.errorCode !== undefined) decision.errorCode = option.errorCode
  const errorInfo = option.errorInfo ?? (option.action === 'deny' || option.action === 'drop' ? defaultInfo : undefined)
  if (errorInfo !== undefined) decision.errorInfo = errorInfo
  if (option.fields !== undefined) decision.fields = deepFreeze(structuredClone(option.fields))
  return decision
}

async function compileWordLists(options: RulesOptions, configDir: string, problems: string[]) {
  const regexes = new Map<string, RegExp>()
  const wordCounts: Record<string, number> = {}
  for (const [name, list] of Object.entries(options.wordLists)) {
    try {
      const words = Array.isArray(list) ? list : await readWordFile(list.file, configDir)
      regexes.set(name, compileWords(words))
      wordCounts[name] = countWords(words)
    } catch (error) {
      problems.push(`wordLists.${name}: ${(error as Error).message}`)
      // Reported once, here: conditions naming the list compile against a list that matches nothing.
      regexes.set(name, /(?!)/)
    }
  }
  return { regexes, wordCounts }
}

function compileLimit(limit: NonNullable<RuleOption['limit']>): CompiledRule['limit'] {
  let by: Step[]
  try {
    by = parsePath(limit.by)
  } catch (error) {
    throw new Error(`limit.by: ${(error as Error).message}`)
  }
  if (walksArrays(by)) throw new Error(`limit.by: "${limit.by}" must name one value, without []`)
  return { by, window: slidingWindowLimit(limit.max, limit.perSeconds * 1000) }
}

function compileRule(rule: RuleOption, label: string, wordLists: ReadonlyMap<string, RegExp>, problems: string[]): CompiledRule | undefined {
  const before = problems.length
  const attempt = <T>(where: string, make: () => T): T | undefined => {
    try {
      return make()
    } catch (error) {
      problems.push(`${label}: ${where}${(error as Error).message}`)
      return undefined
    }
  }
  const matchers = (rule.commands ?? []).map(commandMatcher)
  const conditions = (rule.if ?? []).map((condition, i) => attempt(`if[${i}]: `, () => compileCondition(condition, wordLists)))
  const limit = rule.limit && attempt('', () => compileLimit(rule.limit!))
  const decision = attempt('then: ', () => compileDecision(rule.then, `refused by rule ${rule.name ?? label}`))
  if (problems.length > before) return undefined
  return {
    label,
    name: rule.name,
    appliesTo: matchers.length === 0 ? () => true : (command) => matchers.some((matches) => matches(command)),
    conditions: conditions as PayloadTest[],
    limit,
    decision: decision!,
  }
}

/** Compiles the options; throws one error listing every problem. */
export async function compileRules(options: RulesOptions, configDir: string): Promise<CompiledRules> {
  const problems: string[] = []
  const { regexes, wordCounts } = await compileWordLists(options, configDir, problems)
  const rules: CompiledRule[] = []
  options.rules.forEach((rule, index) => {
    const label = rule.name === undefined ? `rules[${index}]` : `rules[${index}] (${rule.name})`
    const compiled = compileRule(rule, label, regexes, problems)
    if (compiled) rules.push(compiled)
  })
  let fallback: Decision = { action: 'allow' }
  try {
    if (options.default) fallback = compileDecision(options.default, 'refused by the default rule')
  } catch (error) {
    problems.push(`default: ${(error as Error).message}`)
  }
  const paths = problems.map((problem) => `options.${problem}`)
  if (paths.length) throw new Error(paths.length === 1 ? paths[0] : `${paths.length} problems:\n  ${paths.join('\n  ')}`)
  return { rules, fallback, wordCounts }
}
