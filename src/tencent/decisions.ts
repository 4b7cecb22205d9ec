/**
 * Before callbacks (docs/design.md §9): the commands whose answer is a decision, what each
 * answer may carry, and the rendering of a decision into that answer. Facts and pages are in
 * docs/before-callbacks.md; each entry names its page.
 *
 * An answer is `{"ActionStatus":"OK","ErrorInfo":"…","ErrorCode":N, …fields}`: the key order of
 * the contract, then the command's optional fields in the order the decider gave them.
 */
import { Type as t, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import type { Decision, DecisionAction } from '../plugin.ts'
import { AccountId } from './commands.ts'
import { withDigitStrings } from '../exact-json.ts'

export type FailurePolicy = 'allow' | 'deny'

export interface BeforeCommand {
  command: string
  /** The command's Tencent page. */
  page: string
  /** What Tencent does when no answer comes in time: the default `onFailure`. */
  noAnswer: FailurePolicy
  /** ErrorCode 2 (drop silently, the sender sees success) is defined. */
  drop: boolean
  /** Custom ErrorCodes passed through to the sender with ErrorInfo, inclusive. */
  passThrough?: readonly [number, number]
  /** Fields a `modify` answer may carry, each with its schema. */
  fields: Record<string, TSchema>
}

const open = { additionalProperties: true } as const

/** A message body as Tencent's message callbacks carry it: typed elements. */
const MsgBody = t.Array(t.Object({ MsgType: t.String({ minLength: 1 }), MsgContent: t.Object({}, open) }, open), { minItems: 1 })
const CloudCustomData = t.String()
const Accounts = t.Array(AccountId, { minItems: 1 })

const MESSAGE_FIELDS = { MsgBody, CloudCustomData }
/** Friend callbacks decide per friend: ResultCode 0 allows that one, a code in [38000, 39000] refuses it. */
const ResultItem = t.Array(
  t.Object(
    { To_Account: AccountId, ResultCode: t.Union([t.Literal(0), t.Integer({ minimum: 38000, maximum: 39000 })]), ResultInfo: t.Optional(t.String()) },
    open,
  ),
  { minItems: 1 },
)

function entry(command: string, page: string, rest: Partial<Omit<BeforeCommand, 'command' | 'page'>> = {}): BeforeCommand {
  return { command, page, noAnswer: 'allow', drop: false, fields: {}, ...rest }
}

const CHAT = 'https://www.tencentcloud.com/document/product/1047'
const GROUP_RANGE = [10100, 10200] as const
const C2C_RANGE = [120001, 130000] as const

/** Every Before callback the gateway knows, by command (docs/before-callbacks.md has the table). */
export const BEFORE_COMMANDS: ReadonlyMap<string, BeforeCommand> = new Map(
  [
    // Gifts fail closed: no answer blocks the gift, unless Live.CallbackBeforeCallBackNotBlock is on.
    entry('Live.CallbackBeforeSendGift', 'https://trtc.io/document/72210', { noAnswer: 'deny', passThrough: [102100, 102200] }),
    // Chat's page (1047/34374) and Live's room-message page (trtc.io/document/74347) agree on the answer.
    entry('Group.CallbackBeforeSendMsg', `${CHAT}/34374`, { drop: true, passThrough: GROUP_RANGE, fields: MESSAGE_FIELDS }),
    entry('C2C.CallbackBeforeSendMsg', `${CHAT}/34364`, { drop: true, passThrough: C2C_RANGE, fields: MESSAGE_FIELDS }),
    entry('Group.CallbackBeforeCreateGroup', `${CHAT}/34368`, { passThrough: GROUP_RANGE }),
    entry('Group.CallbackBeforeApplyJoinGroup', `${CHAT}/34370`, { passThrough: GROUP_RANGE }),
    entry('Group.CallbackBeforeInviteJoinGroup', `${CHAT}/34371`, { passThrough: GROUP_RANGE, fields: { RefusedMembers_Account: Accounts } }),
    entry('Group.CallbackBeforeCreateTopic', `${CHAT}/49463`, { passThrough: GROUP_RANGE }),
    entry('Sns.CallbackPrevFriendAdd', `${CHAT}/43468`, { passThrough: [38000, 39000], fields: { ResultItem } }),
    entry('Sns.CallbackPrevFriendResponse', `${CHAT}/43467`, { passThrough: [38000, 39000], fields: { ResultItem } }),
    // The page pairs the C2C range with the group-creation wording; the range is what it states.
    entry('OfficialAccount.CallbackBeforeCreateOfficialAccount', 'https://trtc.io/document/60795', { passThrough: C2C_RANGE }),
    // The page's prose says RefusedMembers_Account; its sample and answer table say RefusedSubscribers_Account.
    entry('OfficialAccount.CallbackBeforeAddSubscriber', 'https://trtc.io/document/60799', { fields: { RefusedSubscribers_Account: Accounts } }),
    entry('OfficialAccount.CallbackBeforeSendMsg', 'https://trtc.io/document/60803', { drop: true, passThrough: C2C_RANGE, fields: MESSAGE_FIELDS }),
  ].map((spec) => [spec.command, spec]),
)

/** A Before command the gateway has no entry for: allow or refuse (1), nothing else. */
function unknownBefore(command: string): BeforeCommand {
  return entry(command, `${CHAT}/34355`)
}

const BEFORE_NAME = /\.Callback(Before|Prev)[A-Z]/

/** The Before command entry, for a known command or one named like a Before callback; else undefined. */
export function beforeCommand(command: string): BeforeCommand | undefined {
  return BEFORE_COMMANDS.get(command) ?? (BEFORE_NAME.test(command) ? unknownBefore(command) : undefined)
}

/** A decision rendered into the command's answer. */
export interface Answer {
  action: DecisionAction
  errorCode: number
  errorInfo?: string
  fields?: Record<string, unknown>
  /** The exact answer body. */
  body: string
}

export type Rendered = { ok: true; answer: Answer } | { ok: false; reason: string }

const MAX_ERROR_INFO = 1024
export const MAX_ANSWER_CHARS = 64 * 1024
/** More message elements than any answer under MAX_ANSWER_CHARS can hold: refused before they are checked one by one. */
const MAX_ELEMENTS = 4096
const ACTIONS = new Set<string>(['allow', 'deny', 'drop', 'modify'])

// One compiled checker per field schema, made on first use.
const checkers = new WeakMap<TSchema, TypeCheck<TSchema>>()
function checker(schema: TSchema): TypeCheck<TSchema> {
  let check = checkers.get(schema)
  if (!check) checkers.set(schema, (check = TypeCompiler.Compile(schema)))
  return check
}

export function renderBody(errorCode: number, errorInfo = '', fields?: Record<string, unknown>): string {
  return JSON.stringify({ ActionStatus: 'OK', ErrorInfo: errorInfo, ErrorCode: errorCode, ...fields })
}

function fieldProblem(spec: BeforeCommand, fields: Record<string, unknown>): string | undefined {
  const names = Object.keys(fields)
  if (names.length === 0) return 'modify needs fields'
  for (const name of names) {
    const schema = Object.hasOwn(spec.fields, name) ? spec.fields[name] : undefined
    if (!schema) {
      const known = Object.keys(spec.fields)
      return `${spec.command} answers have no field ${name}${known.length ? ` (it may carry ${known.join(', ')})` : ' (it carries no fields)'}`
    }
    const check = checker(schema)
    // A relayed big integer is raw JSON (http-decide keeps it exact); the schema sees its digits.
    const value = withDigitStrings(fields[name])
    if (!check.Check(value)) {
      const first = check.Errors(value).First()
      return `fields.${name}${first?.path.replaceAll('/', '.') ?? ''}: ${first?.message ?? 'does not match'}`
    }
  }
  return undefined
}

/**
 * Checks a decider's answer against the command and renders it; `reason` says what did not
 * fit (it is logged and stored, never sent to Tencent).
 */
export function renderDecision(spec: BeforeCommand, decision: unknown): Rendered {
  if (typeof decision !== 'object' || decision === null || Array.isArray(decision)) return { ok: false, reason: 'the decision is not an object' }
  const { action, errorCode, errorInfo, fields } = decision as Partial<Decision>
  if (typeof action !== 'string' || !ACTIONS.has(action))
    return { ok: false, reason: `action must be allow, deny, drop or modify, not ${JSON.stringify(action)}` }
  if (errorInfo !== undefined && (typeof errorInfo !== 'string' || errorInfo.length > MAX_ERROR_INFO)) {
    return { ok: false, reason: `errorInfo must be a string of at most ${MAX_ERROR_INFO} characters` }
  }
  if (fields !== undefined && (typeof fields !== 'object' || fields === null || Array.isArray(fields))) return { ok: false, reason: 'fields must be an object' }
  if (fields !== undefined && action !== 'modify') return { ok: false, reason: `fields are sent only with action modify, not ${action}` }
  let code: number
  switch (action) {
    case 'allow':
    case 'modify':
      if (errorCode !== undefined && errorCode !== 0) return { ok: false, reason: `${action} answers ErrorCode 0, not ${errorCode}` }
      code = 0
      break
    case 'drop':
      if (!spec.drop) return { ok: false, reason: `${spec.command} defines no drop (ErrorCode 2); deny it instead` }
      if (errorCode !== undefined && errorCode !== 2) return { ok: false, reason: `drop answers ErrorCode 2, not ${errorCode}` }
      code = 2
      break
    default:
      code = errorCode ?? 1
      if (!Number.isInteger(code)) return { ok: false, reason: `errorCode must be an integer, not ${JSON.stringify(errorCode)}` }
      if (code !== 1 && !(spec.passThrough && code >= spec.passThrough[0] && code <= spec.passThrough[1])) {
        const range = spec.passThrough ? `1 or [${spec.passThrough[0]}, ${spec.passThrough[1]}]` : '1 (it has no pass-through range)'
        return { ok: false, reason: `${spec.command} refuses with ErrorCode ${range}, not ${code}` }
      }
  }
  if (action === 'modify') {
    if (Array.isArray(fields?.MsgBody) && fields.MsgBody.length > MAX_ELEMENTS)
      return { ok: false, reason: `MsgBody has ${fields.MsgBody.length} elements; at most ${MAX_ELEMENTS}` }
    const problem = fieldProblem(spec, fields ?? {})
    if (problem) return { ok: false, reason: problem }
  }
  const body = renderBody(code, errorInfo, action === 'modify' ? fields : undefined)
  // Tencent caps a message at 12 KB; an answer far past that is a decider's mistake, and the
  // bigger it is, the longer checking and storing it holds the budget.
  if (body.length > MAX_ANSWER_CHARS) return { ok: false, reason: `the answer is ${body.length} characters; at most ${MAX_ANSWER_CHARS} are sent` }
  const answer: Answer = { action, errorCode: code, body }
  if (errorInfo) answer.errorInfo = errorInfo
  if (action === 'modify') answer.fields = fields
  return { ok: true, answer }
}

/** The answer of a failure policy: allow (0) or refuse (1). */
export function fallbackAnswer(policy: FailurePolicy): Answer {
  return policy === 'allow' ? { action: 'allow', errorCode: 0, body: renderBody(0) } : { action: 'deny', errorCode: 1, body: renderBody(1) }
}
