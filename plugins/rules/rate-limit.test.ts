import { describe, expect, it } from 'bun:test'
import { slidingWindowLimit } from './rate-limit.ts'

describe('sliding window limit', () => {
  it('allows max events in any window, counting an event for exactly windowMs', () => {
    const limit = slidingWindowLimit(2, 1000)
    expect([limit.exceeded('a', 0), limit.exceeded('a', 500), limit.exceeded('a', 999)]).toEqual([false, false, true])
    expect(limit.exceeded('a', 1000)).toBe(false)
    expect(limit.exceeded('a', 1499)).toBe(true)
    expect(limit.exceeded('a', 1500)).toBe(false)
  })

  it('does not count an event that exceeded the limit', () => {
    const limit = slidingWindowLimit(1, 1000)
    expect(limit.exceeded('a', 0)).toBe(false)
    expect(limit.exceeded('a', 900)).toBe(true)
    // Counted, the event at 900 would still be in the window.
    expect(limit.exceeded('a', 1000)).toBe(false)
  })

  it('keeps exact counts while its ring grows past its first size', () => {
    const limit = slidingWindowLimit(10, 1000)
    for (let i = 0; i < 3; i++) expect(limit.exceeded('a', i)).toBe(false)
    // The first three leave one by one as the ring wraps; then it grows to hold 1000..1009.
    for (let i = 0; i < 10; i++) expect(limit.exceeded('a', 1000 + i)).toBe(false)
    expect(limit.exceeded('a', 1010)).toBe(true)
    expect(limit.exceeded('a', 2000)).toBe(false)
    expect(limit.exceeded('a', 2000)).toBe(true)
    expect(limit.exceeded('a', 2001)).toBe(false)
  })

  it('forgets the key counted least recently when it tracks too many', () => {
    const limit = slidingWindowLimit(2, 60_000, 2)
    expect([limit.exceeded('a', 0), limit.exceeded('b', 1), limit.exceeded('a', 2)]).toEqual([false, false, false])
    // "b" was counted least recently (though first seen after "a"): "c" takes its place.
    expect(limit.exceeded('c', 3)).toBe(false)
    expect(limit.keys).toBe(2)
    expect(limit.exceeded('a', 4)).toBe(true)
    expect([limit.exceeded('b', 5), limit.exceeded('b', 6), limit.exceeded('b', 7)]).toEqual([false, false, true])
  })
})
