/**
 * One `if` condition compiled into a test of the payload. Everything that can be prepared is
 * prepared here, at setup: the path's steps, regexes, sets, parsed thresholds.
 */
import { didYouMean } from '../../src/suggest.ts'
import type { Condition } from './options.ts'
import { anyAt, everyAt, parsePath, walksArrays, type Test } from './path.ts'
import { compare, oneOf, parseThreshold } from './values.ts'

export type PayloadTest = (payload: Record<string, unknown>) => boolean

const OPERATORS = ['equals', 'in', 'gt', 'gte', 'lt', 'lte', 'contains', 'matches', 'containsWord', 'exists'] as const
type Operator = (typeof OPERATORS)[number]

const SYNTAX = /[\^$\\.*+?()[\]{}|/]/g

function escapeRegExp(text: string): string {
  return text.replace(SYNTAX, '\\$&')
}

/** Text operators see strings, and numbers as their decimal text. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

function regexTest(regex: RegExp): Test {
  return (value) => {
    const s = text(value)
    return s !== undefined && regex.test(s)
  }
}

function valueTest(operator: Operator, condition: Condition, wordLists: ReadonlyMap<string, RegExp>): Test {
  switch (operator) {
    case 'equals':
    case 'in':
      try {
        return oneOf(operator === 'in' ? condition.in! : [condition.equals!])
      } catch (error) {
        throw new Error(`${operator}: ${(error as Error).message}`)
      }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      let bound
      try {
        bound = parseThreshold(condition[operator]!)
      } catch (error) {
        throw new Error(`${operator}: ${(error as Error).message}`)
      }
      if (operator === 'gt') return (value) => compare(value, bound) > 0
      if (operator === 'gte') return (value) => compare(value, bound) >= 0
      if (operator === 'lt') return (value) => compare(value, bound) < 0
      return (value) => compare(value, bound) <= 0
    }
    case 'contains': {
      const needle = condition.contains!
      if (condition.caseSensitive === true) return (value) => text(value)?.includes(needle) === true
      return regexTest(new RegExp(escapeRegExp(needle), 'iu'))
    }
    case 'matches': {
      try {
        return regexTest(new RegExp(condition.matches!, condition.caseSensitive === false ? 'iu' : 'u'))
      } catch (error) {
        throw new Error(`matches: invalid regular expression ${JSON.stringify(condition.matches)}: ${(error as Error).message}`)
      }
    }
    case 'containsWord': {
      const name = condition.containsWord!
      const regex = wordLists.get(name)
      if (!regex) {
        const known = [...wordLists.keys()]
        throw new Error(`containsWord: unknown word list "${name}"${didYouMean(name, known)} (wordLists: ${known.join(', ') || 'none defined'})`)
      }
      return regexTest(regex)
    }
    case 'exists': {
      const wanted = condition.exists!
      return (value) => (value !== undefined && value !== null) === wanted
    }
  }
}

/** Compiles one condition; throws a message (without the rule's name) when it is invalid. */
export function compileCondition(condition: Condition, wordLists: ReadonlyMap<string, RegExp>): PayloadTest {
  const operators = OPERATORS.filter((operator) => condition[operator] !== undefined)
  if (operators.length !== 1) {
    throw new Error(`give exactly one operator of ${OPERATORS.join(', ')} (found ${operators.length ? operators.join(', ') : 'none'})`)
  }
  const operator = operators[0]!
  const steps = parsePath(condition.field)
  if (condition.every !== undefined && !walksArrays(steps)) throw new Error(`every applies to a field with [] in its path; "${condition.field}" has none`)
  if (condition.caseSensitive !== undefined && operator !== 'contains' && operator !== 'matches') {
    throw new Error(`caseSensitive applies to contains and matches only, not ${operator}`)
  }
  const test = valueTest(operator, condition, wordLists)
  const negate = condition.not === true
  if (condition.every === true) return (payload) => everyAt(payload, steps, 0, test) !== negate
  return (payload) => anyAt(payload, steps, 0, test) !== negate
}
