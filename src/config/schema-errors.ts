/**
 * Turns TypeBox errors into one readable line per problem, each with its config path
 * (`plugins.crm.options.url: Expected string`), and suggests the closest key for an
 * unknown one. All errors are collected, never just the first.
 */
import { Kind, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'
import { didYouMean } from '../suggest.ts'

function toDotted(pointer: string, prefix: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
  let out = prefix
  for (const part of parts) out = /^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part
  return out || '(root)'
}

/** Follows a JSON pointer through object/record/array schemas to the schema of the parent object. */
function schemaAt(root: TSchema, pointer: string): TSchema | undefined {
  let schema: TSchema | undefined = root
  for (const part of pointer.split('/').slice(1)) {
    if (!schema) return undefined
    if (schema.properties && part in schema.properties) schema = schema.properties[part]
    else if (schema.patternProperties) schema = Object.values(schema.patternProperties)[0] as TSchema
    else if (schema.items && /^\d+$/.test(part)) schema = schema.items as TSchema
    else return undefined
  }
  return schema
}

function isUnknownKey(error: ValueError): boolean {
  return error.type === ValueErrorType.ObjectAdditionalProperties || error.message === 'Unexpected property'
}

function describe(error: ValueError, root: TSchema): string {
  if (isUnknownKey(error)) {
    const cut = error.path.lastIndexOf('/')
    const key = error.path.slice(cut + 1)
    const parent = schemaAt(root, error.path.slice(0, cut))
    const known = parent?.properties ? Object.keys(parent.properties) : []
    return `unknown key "${key}"${didYouMean(key, known)}`
  }
  if (error.type === ValueErrorType.Union) {
    const options = (error.schema.anyOf as TSchema[] | undefined) ?? []
    if (options.length && options.every((o) => o.const !== undefined)) {
      return `Expected one of ${options.map((o) => JSON.stringify(o.const)).join(', ')}`
    }
    return `Expected ${options.map((o) => String(o[Kind]).toLowerCase()).join(' or ') || 'another type'}`
  }
  if (error.type === ValueErrorType.ObjectRequiredProperty) return 'is required'
  return error.message
}

export interface SchemaErrorOptions {
  /**
   * `false` leaves unknown keys out: the caller reports them from the documents the user
   * wrote (base and overlays apart), not from their merge, so each is named once where it
   * was written. @default true
   */
  unknownKeys?: boolean
}

/** Every problem with `value` against `schema`, as `path: message`, one per path. */
export function schemaErrors(schema: TSchema, value: unknown, prefix = '', { unknownKeys = true }: SchemaErrorOptions = {}): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const error of Value.Errors(schema, value)) {
    if (!unknownKeys && isUnknownKey(error)) continue
    const path = toDotted(error.path, prefix)
    if (seen.has(path)) continue
    seen.add(path)
    out.push(`${path}: ${describe(error, schema)}`)
  }
  return out
}

/**
 * Only the unknown keys of `value`. Which keys a closed object knows does not depend on
 * values, so this holds for a document on its own (an overlay without the base it extends)
 * and before interpolation or defaults.
 */
export function unknownKeyErrors(schema: TSchema, value: unknown, prefix = ''): string[] {
  const out: string[] = []
  for (const error of Value.Errors(schema, value)) {
    if (isUnknownKey(error)) out.push(`${toDotted(error.path, prefix)}: ${describe(error, schema)}`)
  }
  return [...new Set(out)]
}

/** Applies conversions (`"3000"` → 3000 where a number is expected, as `${PORT}` gives) and defaults. */
export function normalise(schema: TSchema, value: unknown): unknown {
  return Value.Default(schema, Value.Convert(schema, Value.Clone(value ?? {})))
}
