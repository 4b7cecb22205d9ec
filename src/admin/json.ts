/**
 * Admin API bodies that carry stored JSON text exactly as it was received: a payload (or a
 * decision) may hold integers above 2^53, which JSON.parse would round. Such a field is spliced
 * into the answer as its text, never parsed and re-serialised.
 */

/** `value` as JSON, with each of `raw` (a field name → JSON text) added as it is. */
export function withRawJson(value: Record<string, unknown>, raw: Record<string, string | undefined>): string {
  let out = JSON.stringify(value)
  for (const [key, text] of Object.entries(raw)) {
    if (text === undefined) continue
    out = `${out.slice(0, -1)}${out.length > 2 ? ',' : ''}${JSON.stringify(key)}:${text}}`
  }
  return out
}

export const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' }

export function json(body: unknown, status = 200): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: JSON_HEADERS })
}

/** `{"error": "..."}` with the status; the text says what to change, never internals. */
export function problem(status: number, error: string): Response {
  return json({ error }, status)
}
