/**
 * Nesting guard. Tencent payloads nest a few levels (MsgBody elements at most ~4), but a
 * caller can send `[[[[…` a hundred thousand deep within the size limit; recursive code
 * anywhere downstream (canonical JSON for dedup, plugins' JSON.stringify) would overflow
 * the stack. One linear scan of the text, no recursion, strings skipped.
 */

export const MAX_JSON_DEPTH = 64

/** True when `text` opens more than `max` arrays/objects at once (outside strings). */
export function exceedsDepth(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      if (code === 92 /* \\ */) i++
      else if (code === 34 /* " */) inString = false
    } else if (code === 34) inString = true
    else if (code === 123 /* { */ || code === 91 /* [ */) {
      if (++depth > max) return true
    } else if (code === 125 /* } */ || code === 93 /* ] */) depth--
  }
  return false
}
