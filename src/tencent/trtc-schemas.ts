/**
 * Payload schemas and samples of the TRTC callbacks (docs/design.md §1, "The TRTC path"): the
 * envelope every callback has, and each known event's EventInfo, from the field tables of
 * https://trtc.io/document/39558 (room, media), /54914 (recording) and /54913 (relay). Every
 * object stays open to extra fields: Tencent adds fields without notice (docs/design.md §8.6).
 * Integers above 2^53 reach these schemas as digit strings (lossless-json.ts).
 */
import { Type as t, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { TRTC_EVENTS, TRTC_GROUPS, trtcCommand, type TrtcEvent } from './trtc.ts'

const open = { additionalProperties: true } as const

/** A documented Number: an integer, or its digits when above 2^53. */
const Int = t.Union([t.Integer(), t.String({ pattern: '^-?[0-9]{1,20}$' })])
/** A numeric room number, or a string room id (the docs give both kinds of room). */
const RoomId = t.Union([t.String({ minLength: 1 }), t.Integer()])
const UserId = t.String()

/** What every TRTC callback carries. */
export const TrtcEnvelope = t.Object(
  {
    EventGroupId: t.Integer({ minimum: 0 }),
    EventType: t.Integer({ minimum: 0 }),
    /** Unix ms when Tencent sent the callback. */
    CallbackTs: Int,
    EventInfo: t.Object({}, open),
  },
  open,
)

const info = (fields: Record<string, TSchema>) => t.Object({ ...fields, EventMsTs: t.Optional(Int) }, open)

/** Room events (1): 101 create and 102 dismiss name the room; the user events name the user too. */
const RoomInfo = info({ RoomId, EventTs: Int, UserId: t.Optional(UserId) })
const UserInfo = info({
  RoomId,
  EventTs: Int,
  UserId,
  UniqueId: t.Optional(Int),
  /** 20 anchor, 21 audience. */
  Role: t.Optional(Int),
  TerminalType: t.Optional(Int),
  UserType: t.Optional(Int),
  /** Enter: 1 normal, 2 reconnect; exit: 1 normal, 2 timeout, 3 kicked, 4 room dismissed. */
  Reason: t.Optional(Int),
})
/** Media events (2). */
const MediaInfo = info({ RoomId, EventTs: Int, UserId, Reason: t.Optional(Int) })
/** Cloud recording (3): the task and its details. */
const RecordingInfo = info({ RoomId, EventTs: Int, UserId: t.Optional(UserId), TaskId: t.String(), Payload: t.Optional(t.Object({}, open)) })
/**
 * Relay to CDN (4). The field table says `EventMsTs` (String) and the sample `EventTsMs`:
 * both are accepted, neither required.
 */
const RelayInfo = t.Object(
  {
    RoomId,
    RoomType: t.Optional(Int),
    EventMsTs: t.Optional(t.Union([Int, t.String()])),
    EventTsMs: t.Optional(Int),
    UserId: t.Optional(UserId),
    TaskId: t.String(),
    Payload: t.Optional(t.Object({ Url: t.Optional(t.String()), Status: t.Optional(Int) }, open)),
  },
  open,
)

function infoSchema(event: TrtcEvent): TSchema {
  if (event.group === 1) return event.type <= 102 ? RoomInfo : UserInfo
  if (event.group === 2) return MediaInfo
  if (event.group === 3) return RecordingInfo
  return RelayInfo
}

/** Each known command's EventInfo schema. */
export const TRTC_INFO_SCHEMAS: Record<string, TSchema> = Object.fromEntries(TRTC_EVENTS.map((e) => [trtcCommand(e.group, e.type), infoSchema(e)]))

const TRTC_GROUP_IDS = new Map(TRTC_GROUPS.map((g) => [g.name, g.id]))
const envelopeCheck = TypeCompiler.Compile(TrtcEnvelope)
const infoChecks = new Map<string, TypeCheck<TSchema>>()

function firstProblem(check: TypeCheck<TSchema>, value: unknown, prefix: string): string | undefined {
  if (check.Check(value)) return undefined
  const first = check.Errors(value).First()
  if (!first) return 'payload does not match the schema'
  const field = `${prefix}${first.path.replace(/^\//, '').replaceAll('/', '.')}`.replace(/\.$/, '') || '(body)'
  return `${field}: ${first.message}`
}

/** The envelope's first problem as `Field: message` (safe for ErrorInfo), or undefined. */
export function checkTrtcEnvelope(body: unknown): string | undefined {
  return firstProblem(envelopeCheck, body, '')
}

/** The EventInfo's first problem for a known command; unknown commands pass. */
export function checkTrtcInfo(command: string, eventInfo: unknown): string | undefined {
  const schema = Object.hasOwn(TRTC_INFO_SCHEMAS, command) ? TRTC_INFO_SCHEMAS[command] : undefined
  if (!schema) return undefined
  let check = infoChecks.get(command)
  if (!check) infoChecks.set(command, (check = TypeCompiler.Compile(schema)))
  return firstProblem(check, eventInfo, 'EventInfo.')
}

/**
 * A sample body for `send --trtc`, shaped after the pages' samples (room 12345, user `test`).
 * A command not in the table must be `TRTC.<Group>.Event<type>` or `TRTC.Group<id>.Event<type>`.
 */
export function trtcSample(command: string, nowMs = Date.now()): Record<string, unknown> | undefined {
  const event = TRTC_EVENTS.find((e) => trtcCommand(e.group, e.type) === command)
  const parsed = event ? { group: event.group, type: event.type } : parseTrtcCommand(command)
  if (!parsed) return undefined
  const seconds = Math.floor(nowMs / 1000)
  const base = { RoomId: 12345, EventTs: seconds, EventMsTs: nowMs }
  let eventInfo: Record<string, unknown>
  if (parsed.group === 1 && parsed.type <= 102) eventInfo = { ...base, UserId: 'test' }
  else if (parsed.group === 1) eventInfo = { ...base, UserId: 'test', UniqueId: nowMs, Role: 20, TerminalType: 3, UserType: 3, Reason: 1 }
  else if (parsed.group === 3) eventInfo = { ...base, RoomId: '12345', UserId: 'test', TaskId: 'sample-task-id', Payload: { Status: 0 } }
  else if (parsed.group === 4)
    eventInfo = {
      RoomId: '12345',
      RoomType: 1,
      EventMsTs: nowMs,
      UserId: 'test',
      TaskId: 'sample-task-id',
      Payload: { Url: 'rtmp://example/live/test', Status: 2 },
    }
  else eventInfo = { ...base, UserId: 'test' }
  return { EventGroupId: parsed.group, EventType: parsed.type, CallbackTs: nowMs, EventInfo: eventInfo }
}

/** `TRTC.Room.Event999` → { group: 1, type: 999 }; `TRTC.Group9.Event901` → { group: 9, type: 901 }. */
export function parseTrtcCommand(command: string): { group: number; type: number } | undefined {
  const match = /^TRTC\.([A-Za-z0-9]+)\.Event([0-9]{1,9})$/.exec(command)
  if (!match) return undefined
  const [, groupName, type] = match
  const byName = TRTC_GROUP_IDS.get(groupName!)
  const group = byName ?? (/^Group[0-9]{1,9}$/.test(groupName!) ? Number(groupName!.slice(5)) : undefined)
  return group === undefined ? undefined : { group, type: Number(type) }
}
