/**
 * Dedup keys: the same command with the same payload is one event, whatever the key order
 * or whitespace of the JSON (DESIGN §3 `dedupWindowSeconds`). Tencent sends no event id,
 * and its opt-in retries (and our own callers' replays) resend identical bodies.
 */
import { createHash } from 'node:crypto'

/** JSON with object keys sorted at every depth; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).sort()
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`
}

export function dedupKey(command: string, payload: unknown): string {
  return createHash('sha256').update(command).update('\n').update(canonicalJson(payload)).digest('base64url')
}
