import { describe, expect, it } from 'bun:test'
import { parseLossless } from '../../src/tencent/lossless-json.ts'

describe('parseLossless', () => {
  it('keeps integers above 2^53 as exact digit strings, at any depth', () => {
    const parsed = parseLossless('{"a":144115216631667826,"b":[{"c":-9007199254740993}],"d":9007199254740991}') as any
    expect(parsed.a).toBe('144115216631667826')
    expect(parsed.b[0].c).toBe('-9007199254740993')
    // 2^53 - 1 is safe: stays a number.
    expect(parsed.d).toBe(9007199254740991)
  })

  it('leaves floats, exponents and small integers as numbers', () => {
    const parsed = parseLossless('{"f":1.5,"e":1e300,"n":42,"s":"12345678901234567890"}') as any
    expect(parsed).toEqual({ f: 1.5, e: 1e300, n: 42, s: '12345678901234567890' })
  })

  it('tolerates a leading byte-order mark', () => {
    expect(parseLossless('\uFEFF{"a":1}')).toEqual({ a: 1 })
  })

  it('throws on JSON with comments, as Tencent doc samples have', () => {
    expect(() => parseLossless('{"a":1 // note\n}')).toThrow(SyntaxError)
  })
})

import { exceedsDepth } from '../../src/tencent/json-depth.ts'

describe('exceedsDepth', () => {
  it('counts nesting outside strings only, escapes included', () => {
    expect(exceedsDepth('[[[]]]', 3)).toBe(false)
    expect(exceedsDepth('[[[[]]]]', 3)).toBe(true)
    expect(exceedsDepth('{"a":"[[[[[[","b":[1]}', 2)).toBe(false)
    expect(exceedsDepth('{"a":"\\"[[[[","b":{"c":{}}}', 2)).toBe(true)
    expect(exceedsDepth('[{"a":[{"b":[]}]}]', 5)).toBe(false)
  })
})
