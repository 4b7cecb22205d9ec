/**
 * The public plugin API: the one module a plugin author imports.
 *
 * ```ts
 * import { definePlugin, t, PermanentError, RetryLater } from '../../src/plugin.ts'
 * export default definePlugin({
 *   name: 'crm-sync',
 *   options: t.Object({ url: t.String({ format: 'uri' }) }),
 *   setup(ctx) {
 *     return { async deliver(event) { ... }, async close() {} }
 *   },
 * })
 * ```
 *
 * `deliver` resolving means done; throwing means retry with backoff; throwing
 * `PermanentError` dead-letters the delivery at once; throwing `RetryLater(ms)`
 * retries after exactly that delay.
 *
 * An instance may also (or instead) implement `decide(event, ctx)` to answer Before callbacks:
 * it returns a `Decision`, which the host turns into the command's answer (docs/design.md §9).
 */
import { FormatRegistry, Type, type Static, type TSchema } from '@sinclair/typebox'
import type { Logger } from './log.ts'

// `t.String({ format: 'uri' })` is the natural way to declare a URL option (docs/design.md §5);
// TypeBox knows no formats until they are registered.
if (!FormatRegistry.Has('uri')) FormatRegistry.Set('uri', (value) => /^[a-z][a-z0-9+.-]*:/i.test(value) && URL.canParse(value))

/** TypeBox's builder, re-exported so plugins declare options without importing TypeBox themselves. */
export const t = Type
export type { Static, TSchema }
export type { Logger }

/** The event handed to `deliver` and written by the file logger. */
export interface GatewayEvent {
  /** Stable across retries and replays: use it as an idempotency key. */
  id: string
  /** The callback command, e.g. `Live.CallbackAfterDestroyRoom`. */
  command: string
  /** The SdkAppid the callback was sent for (as text). */
  sdkAppId: string
  /** The app's name from `tencent.apps`; absent in the single-token form (`tencent.sdkAppId`). */
  app?: string
  /** When the gateway accepted the callback, ISO 8601 UTC. */
  receivedAt: string
  /** Tencent's `ClientIP` query parameter, when present. */
  clientIp?: string
  /** Tencent's `OptPlatform` query parameter, when present. */
  optPlatform?: string
  /** 1 on the first attempt, 2 on the first retry, and so on. */
  attempt: number
  /** The callback body as sent; integers above 2^53 arrive as exact digit strings. */
  payload: Record<string, unknown>
  /** Before callbacks: how the gateway answered Tencent. Absent for After callbacks. */
  decision?: RecordedDecision
}

/** What a decider may answer. */
export type DecisionAction = 'allow' | 'deny' | 'drop' | 'modify'

/** What `decide` returns; the host checks it against the command's answer schema. */
export interface Decision {
  /**
   * `allow`: ErrorCode 0. `deny`: `errorCode` (default 1, or a code in the command's
   * pass-through range). `drop`: ErrorCode 2, only for commands that define it (messages).
   * `modify`: ErrorCode 0 plus `fields` (e.g. `MsgBody`, `CloudCustomData`, `RefusedMembers_Account`).
   */
  action: DecisionAction
  errorCode?: number
  /** Sent to Tencent as ErrorInfo; a pass-through code shows it to the sender. */
  errorInfo?: string
  /** Answer fields the command defines (modify only). */
  fields?: Record<string, unknown>
}

/** The second argument of `decide`. */
export interface DecideContext {
  /** Aborts when the route's budget runs out: pass it to `fetch` and timers. */
  signal: AbortSignal
  /** Unix ms by which the answer goes out, with or without this decision. */
  deadline: number
}

/** A decision as answered and stored; plugins under a route's `to:` get it as `event.decision`. */
export interface RecordedDecision {
  action: DecisionAction
  /** The ErrorCode Tencent got. */
  errorCode: number
  errorInfo?: string
  fields?: Record<string, unknown>
  /** `plugin`: the decider's own answer. `fallback`: the route's `onFailure` (no decider, or it failed). */
  source: 'plugin' | 'fallback'
  /** The deciding plugin instance, when there was one. */
  decider?: string
  /** Why the fallback was used (fallback only). */
  reason?: string
  /** Milliseconds the decision took. */
  ms: number
}

/** What the host gives a plugin instance at setup time. */
export interface PluginContext<Options = unknown> {
  /** The instance id from the config (the key under `plugins:`). */
  id: string
  /** The instance's `options`, validated against the plugin's schema, defaults applied. */
  options: Options
  /** A logger tagged with the instance id; secrets registered by the host are redacted. */
  logger: Logger
  /** A folder the instance may keep files in; it exists when setup is called. */
  dataDir: string
  /** The folder of the config file, for resolving relative paths in options. */
  configDir: string
  /** Aborted when the gateway shuts down; pass it to `fetch` and timers. */
  signal: AbortSignal
}

/** A running plugin instance: it implements `deliver`, `decide`, or both. */
export interface PluginInstance {
  /** Resolve = done. Throw = retry with backoff. See `PermanentError` and `RetryLater`. */
  deliver?(event: GatewayEvent): Promise<void>
  /**
   * Answers a Before callback within `ctx.deadline`. Throwing, returning something that does
   * not fit the command's answer, or being late all get the route's `onFailure` answer.
   */
  decide?(event: GatewayEvent, ctx: DecideContext): Promise<Decision> | Decision
  /** Called on shutdown, after in-flight deliveries finish. */
  close?(): Promise<void> | void
}

/** A plugin module's default export. */
export interface PluginDefinition<S extends TSchema = TSchema> {
  /** kebab-case name, shown in logs and errors. */
  name: string
  /** TypeBox schema for the instance `options`; defaults are applied before `setup`. */
  options?: S
  /**
   * Deliveries in flight per instance when the config does not set `concurrency`.
   * @default 4
   */
  defaultConcurrency?: number
  /**
   * Option keys whose values are secrets (webhook URLs, tokens). The host redacts
   * their values from every log line and error message.
   */
  secretOptions?: string[]
  setup(ctx: PluginContext<Static<S>>): PluginInstance | Promise<PluginInstance>
}

/** Declares a plugin; returns the definition unchanged, with its types checked. */
export function definePlugin<S extends TSchema>(definition: PluginDefinition<S>): PluginDefinition<S> {
  return definition
}

/** Throw from `deliver` to dead-letter the delivery now: retrying cannot help. */
export class PermanentError extends Error {
  override name = 'PermanentError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** Throw from `deliver` to retry after exactly `delayMs` (for example from a `Retry-After` header). */
export class RetryLater extends Error {
  override name = 'RetryLater'
  constructor(
    readonly delayMs: number,
    message = `retry requested in ${delayMs} ms`,
  ) {
    super(message)
  }
}

/**
 * Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3: delay-seconds or an HTTP-date)
 * into milliseconds from `now`; undefined when absent or unparsable.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  // An HTTP-date names its month (IMF-fixdate, RFC 850, asctime); without letters, Date.parse
  // would read "-5" as the year -5.
  if (!/[a-z]{3}/i.test(trimmed)) return undefined
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}
