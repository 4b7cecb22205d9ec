import { describe, expect, it } from 'bun:test'
import { compare, oneOf, parseThreshold } from './values.ts'

describe('value comparisons', () => {
  it('order numbers and numeric text, exactly beyond 2^53', () => {
    const bound = parseThreshold('9007199254740993')
    expect([compare('9007199254740992', bound), compare('9007199254740993', bound), compare('9007199254740994', bound)]).toEqual([-1, 0, 1])
    expect(compare(9007199254740992, bound)).toBe(-1)
    expect(compare('-9007199254740993', parseThreshold('-9007199254740992'))).toBe(-1)
    expect(compare('12345678901234567890', parseThreshold(10.5))).toBe(1)
    expect(compare('0.5', parseThreshold(1))).toBe(-1)
    expect(compare(2, parseThreshold('1.5'))).toBe(1)
  })

  it('refuse integers beyond 2^53 given as numbers: YAML has rounded them already', () => {
    expect(() => parseThreshold(144115216631667826)).toThrow('write it in quotes')
    expect(() => oneOf(['1', 9007199254740993])).toThrow('beyond 2^53')
    expect(parseThreshold(9007199254740991).bigint).toBe(9007199254740991n)
  })

  it('give NaN for values that are not numbers', () => {
    for (const value of ['', 'abc', '1e5', '1.', true, null, undefined, {}, NaN]) expect(compare(value, parseThreshold(0))).toBeNaN()
  })

  it('match equal values across numbers and digit strings, but text as text', () => {
    const test = oneOf(['42', 7, true, '144115216631667826'])
    expect([test('42'), test(42), test(7), test('7'), test('07'), test(true), test('true')]).toEqual([true, true, true, true, true, true, false])
    expect([test('042'), test(43), test(false), test('144115216631667826'), test(null)]).toEqual([false, false, false, true, false])
  })
})
