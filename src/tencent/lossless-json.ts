/**
 * Lossless JSON parse: real payloads carry account ids such as 144115216631667826,
 * above 2^53, which float64 rounds to ...840 (docs/design.md §8.6). Integers that are not
 * safe are handed on as their exact digits, as strings.
 *
 * Uses JSON.parse source-text access (TC39 proposal-json-parse-with-source, shipped in
 * Bun 1.4 and Deno 2.9): the reviver's third argument carries `source`. The reviver
 * costs a call per value, so it only runs when the text holds a 16+ digit run.
 */

const LONG_DIGITS = /\d{16}/
const INTEGER_LITERAL = /^-?\d+$/

type SourceContext = { source?: string }

function keepBigIntegers(this: unknown, _key: string, value: unknown, context?: SourceContext): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && INTEGER_LITERAL.test(context.source)) {
    return context.source
  }
  return value
}

/** Parses JSON text; throws SyntaxError on invalid JSON. A leading UTF-8 BOM is tolerated. */
export function parseLossless(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (!LONG_DIGITS.test(body)) return JSON.parse(body)
  return JSON.parse(body, keepBigIntegers as (key: string, value: unknown) => unknown)
}
