/**
 * JSON parsed for writing it out again: integers that are not safe (account ids above 2^53)
 * become JSON.rawJSON values, which JSON.stringify writes back as the same digits, so an
 * answer relayed through the gateway keeps them exactly. Bun 1.4 and Deno 2.9 support
 * JSON.rawJSON and the reviver's `source` (docs/design.md §4).
 */

const LONG_DIGITS = /\d{16}/
const INTEGER_LITERAL = /^-?\d+$/

const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON
const isRawJSON = (JSON as unknown as { isRawJSON(value: unknown): boolean }).isRawJSON

function exactIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== 'number' || Number.isSafeInteger(value) || !context?.source || !INTEGER_LITERAL.test(context.source)) return value
  return rawJSON(context.source)
}

/** Parses JSON text, keeping unsafe integers exact (as raw JSON); throws SyntaxError on invalid JSON. */
export function parseExact(text: string): unknown {
  // The reviver costs a call per value; without a 16-digit run no integer can be unsafe.
  if (!LONG_DIGITS.test(text)) return JSON.parse(text)
  return JSON.parse(text, exactIntegers as (key: string, value: unknown) => unknown)
}

/** The value with every raw JSON integer as its digit string: what a schema check should see. */
export function withDigitStrings(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (isRawJSON(value)) return (value as { rawJSON: string }).rawJSON
  if (Array.isArray(value)) return value.map(withDigitStrings)
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withDigitStrings(inner)]))
}
