/**
 * Reads a decision service's answer, written in Tencent's own format for Before callbacks
 * (docs/design.md §8.4): `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0, ...command fields}`.
 *
 * - `ErrorCode` 0 and nothing else: allow. 0 plus other keys (`MsgBody`, `CloudCustomData`,
 *   `RefusedMembers_Account`, ...): modify with those fields, in the service's key order.
 * - 2: drop. Any other integer: deny with that code. Whether the command accepts the code or
 *   the fields is checked by the host against the command's answer schema.
 * - `ErrorInfo`, when not empty, is relayed. `ActionStatus` is not read: Tencent goes by the code.
 */
import type { Decision } from '../../src/plugin.ts'
import { parseJsonExact } from '../../src/plugin-http.ts'

/** A malformed answer; the message does not quote the body (the caller adds a scrubbed piece). */
export class AnswerError extends Error {
  override name = 'AnswerError'
}

/** The body of a 200 answer as a Decision; throws AnswerError when it is not a Tencent answer. */
export function decisionFromAnswer(text: string): Decision {
  let answer: unknown
  try {
    answer = parseJsonExact(text)
  } catch {
    throw new AnswerError(text ? 'the answer is not JSON' : 'the answer is empty')
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw new AnswerError('the answer is not a JSON object')
  }
  const { ActionStatus: _status, ErrorInfo: errorInfo, ErrorCode: errorCode, ...fields } = answer as Record<string, unknown>
  if (errorCode === undefined) throw new AnswerError('the answer has no ErrorCode')
  if (typeof errorCode !== 'number' || !Number.isSafeInteger(errorCode)) throw new AnswerError("the answer's ErrorCode is not an integer")
  if (errorInfo !== undefined && typeof errorInfo !== 'string') throw new AnswerError("the answer's ErrorInfo is not a string")
  const info = errorInfo ? { errorInfo } : {}
  if (errorCode === 0) return Object.keys(fields).length ? { action: 'modify', ...info, fields } : { action: 'allow', ...info }
  if (errorCode === 2) return { action: 'drop', ...info }
  return { action: 'deny', errorCode, ...info }
}
