/**
 * Payload schemas for the Live commands (docs/design.md §8.3). `Live.CallbackAfterDestroyRoom`
 * is checked fully; the other known commands only on the ids a route or plugin keys on.
 * Every schema allows extra fields: Tencent adds fields without notice (docs/design.md §8.6).
 *
 * Integers above 2^53 reach these schemas as digit strings (see lossless-json.ts), so an
 * account id is "a string, or an integer kept exact".
 */
import { Type as t, type Static, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'

const open = { additionalProperties: true } as const

/** A user id: documented as String, but samples show bare (big) integers. */
export const AccountId = t.Union([t.String(), t.Integer()])
/** Milliseconds since the epoch; some commands send it as a quoted digit string. */
export const EventTimeMs = t.Union([t.Integer({ minimum: 0 }), t.String({ pattern: '^[0-9]{1,16}$' })])
const Id = t.String({ minLength: 1 })
const Count = t.Union([t.Integer(), t.String({ pattern: '^-?[0-9]+$' })])

export const DestroyRoomPayload = t.Object(
  {
    // Tencent sends it in the query and the body; the query alone is enough (ingress checks they agree).
    CallbackCommand: t.Optional(t.Literal('Live.CallbackAfterDestroyRoom')),
    RoomId: Id,
    EventType: t.Union([t.Literal('DestroyByUser'), t.Literal('DestroyBySystem')]),
    EventTime: EventTimeMs,
    Operator_Account: t.Optional(AccountId),
    RoomInfo: t.Optional(
      t.Object(
        {
          RoomId: t.Optional(t.String()),
          RoomName: t.Optional(t.String()),
          RoomType: t.Optional(t.String()),
          Owner_Account: t.Optional(AccountId),
          IsSeatEnabled: t.Optional(t.Boolean()),
          TakeSeatMode: t.Optional(t.String()),
          MaxMemberCount: t.Optional(Count),
          MaxSeatCount: t.Optional(Count),
          Category: t.Optional(t.Array(Count)),
          CustomInfo: t.Optional(t.String()),
          IsMessageDisabled: t.Optional(t.Boolean()),
          CoverURL: t.Optional(t.String()),
          ActivityStatus: t.Optional(Count),
          IsPublicVisible: t.Optional(t.Boolean()),
          ViewCount: t.Optional(Count),
          BackgroundURL: t.Optional(t.String()),
          IsUnlimitedRoomEnabled: t.Optional(t.Boolean()),
        },
        open,
      ),
    ),
    // Absent in a real captured DestroyBySystem payload (docs/design.md §8.3): optional.
    Statistic: t.Optional(
      t.Object(
        {
          TotalViewers: t.Optional(Count),
          TotalGiftsSent: t.Optional(Count),
          TotalGiftCoins: t.Optional(Count),
          TotalUniqueGiftSenders: t.Optional(Count),
          TotalLikesReceived: t.Optional(Count),
        },
        open,
      ),
    ),
  },
  open,
)
export type DestroyRoomPayload = Static<typeof DestroyRoomPayload>

const withRoomId = t.Object({ RoomId: Id }, open)
const withBattleId = t.Object({ BattleId: Id }, open)

/** Lenient schemas: the id fields only. */
const LENIENT: Record<string, TSchema> = {
  'Live.CallbackAfterCreateRoom': t.Object({ RoomInfo: t.Object({ RoomId: Id }, open) }, open),
  'Live.CallbackAfterUpdateRoomInfo': t.Object({ RoomInfo: t.Object({ RoomId: Id }, open) }, open),
  'Live.CallbackAfterSetMetadata': withRoomId,
  'Live.CallbackAfterDelMetadata': withRoomId,
  'Live.CallbackAfterCreateRoomReachingThreshold': t.Object({}, open),
  'Live.CallbackAfterMemberStateChanged': withRoomId,
  'Live.CallbackAfterChangeOwner': withRoomId,
  'Live.CallbackAfterModifyAdmin': withRoomId,
  'Mic.CallbackAfterSeatInfoChanged': withRoomId,
  'Live.CallbackAfterCreateBattle': withBattleId,
  'Live.CallbackAfterStartBattle': withBattleId,
  'Live.CallbackAfterEndBattle': withBattleId,
  'Live.CallbackBeforeSendGift': withRoomId,
  'Group.CallbackBeforeSendMsg': t.Object({ GroupId: Id }, open),
  'Group.CallbackAfterSendMsg': t.Object({ GroupId: Id }, open),
  'Follow.CallbackAfterFollowAdd': t.Object({ From_Account: AccountId }, open),
  'Follow.CallbackAfterFollowDelete': t.Object({ From_Account: AccountId }, open),
}

/** Every command the gateway knows a schema for, compiled once at load. */
export const COMMAND_SCHEMAS: Record<string, TSchema> = {
  'Live.CallbackAfterDestroyRoom': DestroyRoomPayload,
  ...LENIENT,
}

// Compiled on first use: compiling all of them at import cost ~8 ms of start-up, and most
// deployments only ever see a few commands.
const compiled = new Map<string, TypeCheck<TSchema>>()

function checkerFor(command: string): TypeCheck<TSchema> | undefined {
  let check = compiled.get(command)
  if (!check) {
    const schema = COMMAND_SCHEMAS[command]
    if (!schema) return undefined
    compiled.set(command, (check = TypeCompiler.Compile(schema)))
  }
  return check
}

/** Known commands, for `send` samples and docs. */
export const KNOWN_COMMANDS = Object.keys(COMMAND_SCHEMAS)

/**
 * Checks a payload against its command's schema. Returns undefined when it passes (or the
 * command is unknown: unknown commands are accepted), else the first problem as
 * `Field: message`, safe to send back in ErrorInfo.
 */
export function checkPayload(command: string, payload: unknown): string | undefined {
  const check = Object.hasOwn(COMMAND_SCHEMAS, command) ? checkerFor(command) : undefined
  if (!check || check.Check(payload)) return undefined
  const first = check.Errors(payload).First()
  if (!first) return 'payload does not match the command schema'
  const field = first.path.replace(/^\//, '').replaceAll('/', '.') || '(body)'
  return `${field}: ${first.message}`
}
