/**
 * Payload paths: `GiftWater.From_Account`, `MsgBody[].MsgContent.Text` (`[]`: every element of
 * an array), `MsgBody[0].MsgType` (one element). Parsed once at setup into steps; walking them
 * allocates nothing.
 */

export type Step = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'each' }

/** One path segment: a key, then any number of `[]` or `[N]`. */
const SEGMENT = /^([^.[\]]+)((?:\[\d*\])*)$/

/** The steps of `path`; throws with the reason when the path is malformed. */
export function parsePath(path: string): Step[] {
  const steps: Step[] = []
  for (const segment of path.split('.')) {
    const match = SEGMENT.exec(segment)
    if (!match) throw new Error(`field "${path}" is not a path like GiftWater.From_Account or MsgBody[].MsgContent.Text`)
    steps.push({ kind: 'key', key: match[1]! })
    for (const [, index] of match[2]!.matchAll(/\[(\d*)\]/g)) steps.push(index === '' ? { kind: 'each' } : { kind: 'index', index: Number(index) })
  }
  return steps
}

export function walksArrays(steps: Step[]): boolean {
  return steps.some((step) => step.kind === 'each')
}

/** A test of one value; `undefined` means the field is missing there. */
export type Test = (value: unknown) => boolean

function child(value: unknown, step: Step): unknown {
  if (value === null || typeof value !== 'object') return undefined
  if (step.kind === 'index') return Array.isArray(value) ? value[step.index] : undefined
  if (step.kind === 'each') return undefined
  // Own keys only: a path naming `constructor` must not find Object's.
  return Object.hasOwn(value, step.key) ? (value as Record<string, unknown>)[step.key] : undefined
}

/**
 * True when some value at the path passes `test`. A missing value (or an element without the
 * rest of the path) is tested as `undefined`; an empty array has no values.
 */
export function anyAt(value: unknown, steps: Step[], from: number, test: Test): boolean {
  for (let i = from; i < steps.length; i++) {
    const step = steps[i]!
    if (step.kind === 'each') {
      if (!Array.isArray(value)) return test(undefined)
      for (let j = 0; j < value.length; j++) if (anyAt(value[j], steps, i + 1, test)) return true
      return false
    }
    value = child(value, step)
  }
  return test(value)
}

/** True when there are values at the path and every one passes `test`; an empty array fails. */
export function everyAt(value: unknown, steps: Step[], from: number, test: Test): boolean {
  for (let i = from; i < steps.length; i++) {
    const step = steps[i]!
    if (step.kind === 'each') {
      if (!Array.isArray(value)) return test(undefined)
      if (value.length === 0) return false
      for (let j = 0; j < value.length; j++) if (!everyAt(value[j], steps, i + 1, test)) return false
      return true
    }
    value = child(value, step)
  }
  return test(value)
}

/** The single value at a path without `[]` (a rate limit's key). */
export function valueAt(value: unknown, steps: Step[]): unknown {
  for (const step of steps) value = child(value, step)
  return value
}
