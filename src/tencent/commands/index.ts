/**
 * The command registry (docs/design.md §8.3): every Chat, Live and Room callback Tencent
 * documents, each with its product, kind, one-line meaning, page, payload schema and sample.
 * An unknown command is accepted untyped. The Before commands' answers are in ../decisions.ts.
 */
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import type { TSchema } from '@sinclair/typebox'
import { CHAT_C2C_COMMANDS } from './chat-c2c.ts'
import { CHAT_GROUP_COMMANDS } from './chat-group.ts'
import { CHAT_MISC_COMMANDS } from './chat-misc.ts'
import { CHAT_SNS_COMMANDS } from './chat-sns.ts'
import { CHAT_TOPIC_COMMANDS } from './chat-topic.ts'
import type { CommandEntry } from './fields.ts'
import { LIVE_COMMANDS } from './live.ts'
import { OFFICIAL_ACCOUNT_COMMANDS } from './official-account.ts'
import { ROOM_COMMANDS } from './room.ts'

export { AccountId, EventTimeMs, type CommandEntry, type Kind, type Product } from './fields.ts'

/** Every known command, Live first, then Room, then Chat. */
export const COMMANDS: readonly CommandEntry[] = [
  ...LIVE_COMMANDS,
  ...ROOM_COMMANDS,
  ...CHAT_C2C_COMMANDS,
  ...CHAT_GROUP_COMMANDS,
  ...CHAT_TOPIC_COMMANDS,
  ...CHAT_SNS_COMMANDS,
  ...CHAT_MISC_COMMANDS,
  ...OFFICIAL_ACCOUNT_COMMANDS,
]

export const REGISTRY: ReadonlyMap<string, CommandEntry> = new Map(COMMANDS.map((entry) => [entry.command, entry]))

/** Every command the gateway knows a schema for. */
export const COMMAND_SCHEMAS: Record<string, TSchema> = Object.fromEntries(COMMANDS.map((entry) => [entry.command, entry.schema]))

/** Known commands, for metrics labels, `send` samples and docs. */
export const KNOWN_COMMANDS = COMMANDS.map((entry) => entry.command)

export const DestroyRoomPayload = REGISTRY.get('Live.CallbackAfterDestroyRoom')!.schema

// Compiled on first use: compiling all of them at import costs start-up, and most
// deployments only ever see a few commands.
const compiled = new Map<string, TypeCheck<TSchema>>()

function checkerFor(command: string): TypeCheck<TSchema> | undefined {
  let check = compiled.get(command)
  if (!check) {
    const entry = REGISTRY.get(command)
    if (!entry) return undefined
    compiled.set(command, (check = TypeCompiler.Compile(entry.schema)))
  }
  return check
}

/**
 * Checks a payload against its command's schema. Returns undefined when it passes (or the
 * command is unknown: unknown commands are accepted), else the first problem as
 * `Field: message`, safe to send back in ErrorInfo.
 */
export function checkPayload(command: string, payload: unknown): string | undefined {
  const check = checkerFor(command)
  if (!check || check.Check(payload)) return undefined
  const first = check.Errors(payload).First()
  if (!first) return 'payload does not match the command schema'
  const field = first.path.replace(/^\//, '').replaceAll('/', '.') || '(body)'
  return `${field}: ${first.message}`
}

/**
 * The sample body of a command for `send` (its page's sample, by hand: docs/design.md §8.6),
 * with EventTime set to `nowMs` when the sample has one, in the sample's form (integer or
 * digit string). An unknown command gets `{CallbackCommand, EventTime}`.
 */
export function sampleBody(command: string, nowMs = Date.now()): Record<string, unknown> {
  const entry = REGISTRY.get(command)
  if (!entry) return { CallbackCommand: command, EventTime: nowMs }
  const body = structuredClone(entry.sample)
  if (typeof body.EventTime === 'number') body.EventTime = nowMs
  else if (typeof body.EventTime === 'string') body.EventTime = String(nowMs)
  return body
}
