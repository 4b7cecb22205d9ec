/** Two tiny assertions, so the Deno runtime test needs no download of @std/assert. */
export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new Error(message)
}

export function assertEquals(actual: unknown, expected: unknown, context = ''): void {
  const a = JSON.stringify(actual)
  const e = JSON.stringify(expected)
  if (a !== e) throw new Error(`expected ${e}, got ${a}${context ? `\n${context}` : ''}`)
}
