/**
 * Building blocks of the command registry (docs/design.md §8.3): the field types Tencent's
 * pages use, and `command()`, which turns a page's field table into an entry. Every schema
 * allows extra fields: Tencent adds fields without notice (docs/design.md §8.6).
 *
 * Integers above 2^53 reach these schemas as digit strings (see ../lossless-json.ts), so an
 * account id is "a string, or an integer kept exact".
 */
import { Type as t, type TSchema } from '@sinclair/typebox'

export const open = { additionalProperties: true } as const

/** A user id: documented as String, but samples show bare (big) integers. */
export const AccountId = t.Union([t.String(), t.Integer()])
/** Milliseconds since the epoch; some commands send it as a quoted digit string. */
export const EventTimeMs = t.Union([t.Integer({ minimum: 0 }), t.String({ pattern: '^[0-9]{1,16}$' })])
/** An id that must not be empty (room, group, battle). */
export const Id = t.String({ minLength: 1 })
/** An integer; a table that says String or a big value may bring it as digits. */
export const Int = t.Union([t.Integer(), t.String({ pattern: '^-?[0-9]+$' })])
/** A boolean; Room's update sample quotes one ("false"). */
export const Bool = t.Union([t.Boolean(), t.Literal('true'), t.Literal('false')])
export const Str = t.String()
export const Accounts = t.Array(AccountId)
export const Strings = t.Array(t.String())
/** `[{ "Member_Account": id }]`, the member lists of group and room callbacks. */
export const Members = t.Array(t.Object({ Member_Account: AccountId }, open))
/** TIM message elements: `[{ MsgType, MsgContent }]`. */
export const MsgBody = t.Array(t.Object({ MsgType: t.String({ minLength: 1 }), MsgContent: t.Optional(t.Object({}, open)) }, open))

export function obj(required: Record<string, TSchema>, optional: Record<string, TSchema> = {}) {
  const fields: Record<string, TSchema> = { ...required }
  for (const [name, schema] of Object.entries(optional)) fields[name] = t.Optional(schema)
  return t.Object(fields, open)
}

export type Product = 'Chat' | 'Live' | 'Room'
export type Kind = 'before' | 'after'

export interface CommandEntry {
  command: string
  product: Product
  kind: Kind
  /** One line: what the callback tells. */
  meaning: string
  /** The command's Tencent page, where its fields are documented. */
  page: string
  schema: TSchema
  /** A body written by hand from the page's sample, its comments removed. */
  sample: Record<string, unknown>
}

export interface CommandSpec {
  product: Product
  meaning: string
  page: string
  /** The fields the page documents as always sent, with their types. */
  required: Record<string, TSchema>
  /** The other documented fields. */
  optional?: Record<string, TSchema>
  sample: Record<string, unknown>
  /** The page's body carries no CallbackCommand (Push, moderation): the query alone names it. */
  noBodyCommand?: boolean
}

const BEFORE = /\.Callback(Before|Prev)[A-Z]/

/** An entry: the body schema is strict on `required`, optional on the rest, open to extras. */
export function command(name: string, spec: CommandSpec): CommandEntry {
  const schema = obj(spec.required, { CallbackCommand: t.Literal(name), ...spec.optional })
  return {
    command: name,
    product: spec.product,
    kind: BEFORE.test(name) ? 'before' : 'after',
    meaning: spec.meaning,
    page: spec.page,
    schema,
    sample: spec.noBodyCommand ? spec.sample : { CallbackCommand: name, ...spec.sample },
  }
}

export const CHAT = 'https://www.tencentcloud.com/document/product/1047'
export const TRTC_IO = 'https://trtc.io/document'
