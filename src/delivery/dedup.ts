/**
 * Dedup keys: the same command with the same payload is one event, whatever the key order
 * or whitespace of the JSON (DESIGN §3 `dedupWindowSeconds`). Tencent sends no event id,
 * and its opt-in retries (and our own callers' replays) resend identical bodies.
 */
import { createHash } from 'node:crypto'

/**
 * JSON with object keys sorted at every depth; arrays keep their order. Plain loops and
 * string appends: it runs on every stored callback (ingress rejects nesting over 64 levels).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  let out: string
  if (Array.isArray(value)) {
    out = '['
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i])
    return `${out}]`
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).sort()
  out = '{'
  for (let i = 0; i < keys.length; i++) out += `${i ? ',' : ''}${JSON.stringify(keys[i])}:${canonicalJson(record[keys[i]!])}`
  return `${out}}`
}

export function dedupKey(command: string, payload: unknown): string {
  return createHash('sha256').update(command).update('\n').update(canonicalJson(payload)).digest('base64url')
}
