/**
 * Comparing payload values with configured ones. Integers above 2^53 arrive as exact digit
 * strings, so numbers and digit strings compare by value (BigInt when either is too big for a
 * double), while two strings always compare as text: account "007" is not account "7".
 */

const INTEGER = /^-?\d+$/
const DECIMAL = /^-?\d+(\.\d+)?$/
/** Up to 15 digits an integer is exact as a double. */
const SAFE_DIGITS = 15

type Scalar = string | number | boolean

/** The text of an integer, the same however it was written: `"-0012"` and `-12` give `-12`. */
function integerText(value: number | string): string {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString()
  return BigInt(value).toString()
}

/** YAML reads an unquoted integer as a double, which has already lost the digits past 2^53. */
function checkExact(value: number): void {
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw new Error(`${value} is beyond 2^53 and was rounded by YAML: write it in quotes`)
}

/** A test for "equals one of `values`" (`equals` is `in` with one value). */
export function oneOf(values: Scalar[]): (value: unknown) => boolean {
  const strings = new Set<string>()
  const numbers = new Set<number>()
  const booleans = new Set<boolean>()
  // Integers written as numbers, matched by digit strings; digit strings, matched by numbers.
  const integersFromNumbers = new Set<string>()
  const integersFromStrings = new Set<string>()
  for (const value of values) {
    if (typeof value === 'string') {
      strings.add(value)
      if (INTEGER.test(value)) integersFromStrings.add(integerText(value))
    } else if (typeof value === 'number') {
      checkExact(value)
      numbers.add(value)
      if (Number.isInteger(value)) integersFromNumbers.add(integerText(value))
    } else booleans.add(value)
  }
  return (value) => {
    if (typeof value === 'string') {
      if (strings.has(value)) return true
      return integersFromNumbers.size > 0 && INTEGER.test(value) && integersFromNumbers.has(integerText(value))
    }
    if (typeof value === 'number') {
      if (numbers.has(value)) return true
      return integersFromStrings.size > 0 && Number.isInteger(value) && integersFromStrings.has(integerText(value))
    }
    return typeof value === 'boolean' && booleans.has(value)
  }
}

/** A configured bound of gt/gte/lt/lte, parsed once. */
export interface Threshold {
  number: number
  /** Set when the bound is an integer: exact comparisons with big digit strings. */
  bigint?: bigint
}

export function parseThreshold(value: number | string): Threshold {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${value} is not a finite number`)
    checkExact(value)
    return { number: value, bigint: Number.isInteger(value) ? BigInt(value) : undefined }
  }
  if (!DECIMAL.test(value)) throw new Error(`"${value}" is not a number`)
  return { number: Number(value), bigint: INTEGER.test(value) ? BigInt(value) : undefined }
}

function sign(difference: number | bigint): number {
  return difference > 0 ? 1 : difference < 0 ? -1 : 0
}

/**
 * -1, 0 or 1 as `value` is below, at or above the bound; NaN when `value` is not a number or
 * numeric text (so every comparison with it is false).
 */
export function compare(value: unknown, bound: Threshold): number {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return NaN
    // A bound beyond 2^53 is inexact as a double; an integer value compares exactly with it.
    if (bound.bigint !== undefined && !Number.isSafeInteger(bound.number) && Number.isInteger(value)) return sign(BigInt(value) - bound.bigint)
    return sign(value - bound.number)
  }
  if (typeof value !== 'string') return NaN
  const digits = value.charCodeAt(0) === 45 /* - */ ? value.length - 1 : value.length
  if (digits > SAFE_DIGITS && INTEGER.test(value)) {
    if (bound.bigint !== undefined) return sign(BigInt(value) - bound.bigint)
    // A fractional bound is far below 2^53 in magnitude; doubles order the two correctly.
    return sign(Number(value) - bound.number)
  }
  if (!DECIMAL.test(value)) return NaN
  return compare(Number(value), bound)
}
