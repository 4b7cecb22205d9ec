/**
 * Regression (found in review; the text says what was wrong): compileWords lower-cases each word before building the regex, and relies on the `i`
 * flag for case. String.prototype.toLowerCase is full case mapping, the `iu` regex flag is simple
 * case folding, and they disagree on U+0130 (İ): "İ".toLowerCase() is "i\u0307" (two code
 * points), which no `iu` regex equates with "İ". A Turkish word with a capital İ in the list
 * never matches, not even the very text that is in the list.
 */
import { describe, expect, it } from 'bun:test'
import { compileWords } from './word-list.ts'

describe('word lists', () => {
  it('a listed word matches its own text', () => {
    const regex = compileWords(['İstanbul'])
    expect(regex.test('İstanbul')).toBe(true)
  })
})
