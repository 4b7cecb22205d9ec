/**
 * Dedup keys: the same command with the same payload for the same app is one event, whatever the key order
 * or whitespace of the JSON (docs/design.md §3 `dedupWindowSeconds`). Tencent sends no event id,
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

/**
 * The first 128 bits of SHA-256, base64url (22 characters): the SQLite window keeps up to 200,000
 * of them in 128-bit slots (key-table.ts), and 128 bits keep an accidental collision (a callback
 * dropped as a duplicate) at about n²/2^129, negligible for any window.
 */
/**
 * The SdkAppid is part of the key: two apps (docs/design.md §3 `tencent.apps`) can send the
 * same body (a room id both use), and each is a callback of its own, routed by its app.
 */
export function dedupKey(command: string, payload: unknown, sdkAppId = ''): string {
  return createHash('sha256')
    .update(sdkAppId)
    .update('\n')
    .update(command)
    .update('\n')
    .update(canonicalJson(payload))
    .digest()
    .subarray(0, 16)
    .toString('base64url')
}
