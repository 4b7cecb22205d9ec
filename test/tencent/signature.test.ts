import { describe, expect, it } from 'bun:test'
import { computeSign, constantTimeEqual, verifySignature } from '../../src/tencent/signature.ts'

const DOC_SIGN = '17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061'
const DOC_TIME = '1669872112'
const AT_DOC_TIME = 1669872112 * 1000

describe('computeSign', () => {
  it("reproduces the docs' worked example", () => {
    expect(computeSign('xxxxyyyy', DOC_TIME)).toBe(DOC_SIGN)
  })

  it("does not match the docs' typo token", () => {
    expect(computeSign('xxxyyy', DOC_TIME)).not.toBe(DOC_SIGN)
  })
})

describe('verifySignature', () => {
  const base = { tokens: ['xxxxyyyy'], maxClockSkewSeconds: 60 }

  it('accepts the docs example at its own time', () => {
    expect(verifySignature({ ...base, sign: DOC_SIGN, requestTime: DOC_TIME, nowMs: AT_DOC_TIME })).toEqual({ ok: true, skewSeconds: 0 })
  })

  it('accepts an upper-case hex Sign', () => {
    expect(verifySignature({ ...base, sign: DOC_SIGN.toUpperCase(), requestTime: DOC_TIME, nowMs: AT_DOC_TIME }).ok).toBe(true)
  })

  it('rejects the same example 61 s later as stale, and accepts it at 60 s', () => {
    expect(verifySignature({ ...base, sign: DOC_SIGN, requestTime: DOC_TIME, nowMs: AT_DOC_TIME + 61_000 })).toMatchObject({
      ok: false,
      reason: 'request-time-skew',
      skewSeconds: 61,
    })
    expect(verifySignature({ ...base, sign: DOC_SIGN, requestTime: DOC_TIME, nowMs: AT_DOC_TIME + 60_000 }).ok).toBe(true)
    expect(verifySignature({ ...base, sign: DOC_SIGN, requestTime: DOC_TIME, nowMs: AT_DOC_TIME - 61_000 })).toMatchObject({
      ok: false,
      reason: 'request-time-skew',
    })
  })

  it('rejects a wrong sign, a missing one, and a non-numeric time', () => {
    expect(verifySignature({ ...base, sign: DOC_SIGN.replace('1', '2'), requestTime: DOC_TIME, nowMs: AT_DOC_TIME })).toMatchObject({
      ok: false,
      reason: 'sign-mismatch',
    })
    expect(verifySignature({ ...base, sign: undefined, requestTime: DOC_TIME, nowMs: AT_DOC_TIME })).toMatchObject({ ok: false, reason: 'sign-missing' })
    expect(verifySignature({ ...base, sign: DOC_SIGN, requestTime: undefined, nowMs: AT_DOC_TIME })).toMatchObject({ ok: false, reason: 'sign-missing' })
    expect(verifySignature({ ...base, sign: DOC_SIGN, requestTime: '1669872112.5', nowMs: AT_DOC_TIME })).toMatchObject({
      ok: false,
      reason: 'request-time-invalid',
    })
  })

  it('accepts any token during rotation', () => {
    const tokens = ['old-token', 'xxxxyyyy']
    expect(verifySignature({ tokens, maxClockSkewSeconds: 60, sign: DOC_SIGN, requestTime: DOC_TIME, nowMs: AT_DOC_TIME }).ok).toBe(true)
    expect(verifySignature({ tokens: ['old-token'], maxClockSkewSeconds: 60, sign: DOC_SIGN, requestTime: DOC_TIME, nowMs: AT_DOC_TIME }).ok).toBe(false)
  })
})

describe('constantTimeEqual', () => {
  it('compares equal and unequal strings, including different lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true)
    expect(constantTimeEqual('abc', 'abd')).toBe(false)
    expect(constantTimeEqual('abc', 'abcd')).toBe(false)
  })
})
