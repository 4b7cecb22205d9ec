/**
 * Word lists for `containsWord`: loaded once at setup and compiled into one regular expression
 * shaped like a trie (`sc(?:am|ammer)`), so a text is scanned once however many words the list
 * holds, and each position only follows the branches its characters allow.
 *
 * Matching is whole-word and case-insensitive. A word must not be glued to letters, digits or
 * `_` on either side: "scam" matches "a scam!" but not "scammer". Scripts written without spaces
 * (Chinese, Japanese, Thai, …) have no word boundaries, so an edge of a word in one of them is
 * matched anywhere ("骗子" matches "他是骗子吗"), and their characters do not glue a Latin word
 * either ("加我free coins" matches "free coins"). Whitespace inside a phrase matches any run
 * of whitespace.
 */
import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'

const WORD_CHAR = String.raw`[\p{L}\p{N}\p{M}_]`
const UNSPACED = String.raw`[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]`
/** A character that would glue onto a word: a letter, digit, mark or `_` of a script with spaces. */
const GLUING = new RegExp(String.raw`^(?!${UNSPACED})${WORD_CHAR}$`, 'u')
/** Not preceded by a gluing character. */
const LEFT_EDGE = String.raw`(?:(?<!${WORD_CHAR})|(?<=${UNSPACED}))`
/** Not followed by a gluing character. */
const RIGHT_EDGE = String.raw`(?:(?!${WORD_CHAR})|(?=${UNSPACED}))`
const SPACE = ' '

/** Reads a word list file: one word or phrase per line; blank lines and lines starting with `#` are skipped. */
export async function readWordFile(file: string, configDir: string): Promise<string[]> {
  const path = isAbsolute(file) ? file : resolve(configDir, file)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
}

/**
 * A word as the matcher takes it: trimmed, inner whitespace matching any whitespace. Case is
 * left to the regex's `i` flag: lowercasing here would turn `İ` into `i̇`, which then matches
 * neither `İ` nor `i` (counting distinct words lowercases, see countWords).
 */
function normalise(word: string): string {
  return word.trim().replace(/\s+/gu, SPACE)
}

interface TrieNode {
  children: Map<string, TrieNode>
  /** A word ends here. */
  end: boolean
}

const newNode = (): TrieNode => ({ children: new Map(), end: false })

const SYNTAX = /[\^$\\.*+?()[\]{}|/]/

function escape(char: string): string {
  if (char === SPACE) return String.raw`\s+`
  return SYNTAX.test(char) ? `\\${char}` : char
}

function emit(node: TrieNode): string {
  const branches: string[] = []
  for (const [char, next] of node.children) branches.push(escape(char) + emit(next))
  if (node.end) branches.push('')
  if (branches.length === 1) return branches[0]!
  return `(?:${branches.join('|')})`
}

/**
 * Compiles words (phrases allowed) into one whole-word, case-insensitive matcher. Words go into
 * four tries by which edges need a boundary, so each boundary check appears once in the regex
 * (a Unicode class under the `i` flag is costly to compile), and backtracking into the trie
 * still finds "free" in "free coinsxyz" when the list holds both "free" and "free coinsx".
 */
export function compileWords(words: string[]): RegExp {
  const tries = new Map<string, TrieNode>()
  for (const raw of words) {
    const word = normalise(raw)
    if (!word) continue
    const chars = Array.from(word)
    // Which edges need a boundary: `LR`, `L-`, `-R` or `--`.
    const edges = `${GLUING.test(chars[0]!) ? 'L' : '-'}${GLUING.test(chars[chars.length - 1]!) ? 'R' : '-'}`
    let node: TrieNode = tries.get(edges) ?? newNode()
    tries.set(edges, node)
    for (const char of chars) {
      const next: TrieNode = node.children.get(char) ?? newNode()
      node.children.set(char, next)
      node = next
    }
    node.end = true
  }
  if (tries.size === 0) throw new Error('has no words')
  const alternatives = [...tries].map(([edges, trie]) => `${edges[0] === 'L' ? LEFT_EDGE : ''}(?:${emit(trie)})${edges[1] === 'R' ? RIGHT_EDGE : ''}`)
  return new RegExp(alternatives.join('|'), 'iu')
}

/** The number of distinct words a list compiles to (for the setup log line). */
export function countWords(words: string[]): number {
  return new Set(words.map((word) => normalise(word).toLowerCase()).filter(Boolean)).size
}
