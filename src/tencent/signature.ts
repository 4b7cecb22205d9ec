/**
 * Callback authentication (docs/design.md §8.2): `Sign = lowercase hex SHA-256(token + RequestTime)`,
 * RequestTime in Unix seconds. Not an HMAC, and the body is not covered.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

/** Computes the Sign Tencent sends for `token` at `requestTime`. */
export function computeSign(token: string, requestTime: string): string {
  return createHash('sha256')
    .update(token + requestTime)
    .digest('hex')
}

export type SignatureCheck =
  | { ok: true; skewSeconds: number }
  | { ok: false; reason: 'sign-missing' | 'sign-mismatch' | 'request-time-invalid' | 'request-time-skew'; skewSeconds?: number }

export interface SignatureInput {
  sign: string | undefined
  requestTime: string | undefined
  /** Every accepted token (several during rotation). */
  tokens: readonly string[]
  maxClockSkewSeconds: number
  nowMs?: number
}

/** Constant-time compare of two strings of hex; unequal lengths are unequal without leaking where. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  if (left.length !== right.length) {
    // Still spend a compare so timing does not reveal the length check alone.
    timingSafeEqual(left, left)
    return false
  }
  return timingSafeEqual(left, right)
}

/**
 * Checks Sign and RequestTime. The skew window comes first: a stale but correctly signed
 * request is a replay, and saying so is more useful to an operator than "bad sign".
 */
export function verifySignature(input: SignatureInput): SignatureCheck {
  const { sign, requestTime, tokens } = input
  if (!sign || !requestTime) return { ok: false, reason: 'sign-missing' }
  if (!/^\d{1,12}$/.test(requestTime)) return { ok: false, reason: 'request-time-invalid' }
  const nowSeconds = (input.nowMs ?? Date.now()) / 1000
  const skewSeconds = Math.round(nowSeconds - Number(requestTime))
  if (Math.abs(skewSeconds) > input.maxClockSkewSeconds) {
    return { ok: false, reason: 'request-time-skew', skewSeconds }
  }
  const given = sign.toLowerCase()
  let matched = false
  // Check every token (no early exit), so the time taken does not say which one matched.
  for (const token of tokens) {
    if (constantTimeEqual(computeSign(token, requestTime), given)) matched = true
  }
  return matched ? { ok: true, skewSeconds } : { ok: false, reason: 'sign-mismatch', skewSeconds }
}
