/**
 * The values of a payload an operator can search by (`q`: an id that occurs anywhere in it), and
 * their search tokens. Every string and number leaf counts, at any depth, with integers above
 * 2^53 as the digit strings the lossless parse gives; keys, booleans and null do not. Values
 * longer than MAX_TERM (message texts) are left out.
 */
import { parseLossless } from '../tencent/lossless-json.ts'

export const MAX_TERM = 200

/** Each distinct searchable value of a JSON body, in order of first appearance. */
export function searchTerms(body: string): string[] {
  let payload: unknown
  try {
    payload = parseLossless(body)
  } catch {
    return []
  }
  const out = new Set<string>()
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      // U+0000 cannot be stored in PostgreSQL text; nobody searches by it.
      if (value.length > 0 && value.length <= MAX_TERM && !value.includes('\u0000')) out.add(value)
    } else if (typeof value === 'number') out.add(String(value))
    else if (Array.isArray(value)) for (const item of value) walk(item)
    else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) walk(item)
  }
  walk(payload)
  return [...out]
}

/** True when `term` is one of the body's searchable values. */
export function bodyHasTerm(body: string, term: string): boolean {
  return searchTerms(body).includes(term)
}

/**
 * One full-text token per value, for an index whose tokenizer keeps ASCII letters, digits and `_`
 * together (SQLite FTS5 unicode61 with `_` as a token character): every character but a-z and 0-9
 * becomes `_<hex>_`, so `room-1` is `room_2d_1`, `ADMIN` is `_41__44__4d__49__4e_`, and no value
 * splits into several tokens. The token is pure ASCII in lower case, so the tokenizer's case
 * folding and diacritic removal change nothing: a match is exact (a review found `q=ADMIN`
 * matching every `admin` when tokens kept letters as they were, 11 s of confirmations).
 */
export function searchToken(term: string): string {
  let out = ''
  for (const char of term) out += /[a-z0-9]/.test(char) ? char : `_${char.codePointAt(0)!.toString(16)}_`
  return out
}
