/**
 * room-archive: a worked example of a custom plugin for an in-house target.
 *
 * The scenario: an in-house "room archive" service keeps one record per live room that has
 * ended. It exposes `PUT /rooms/{roomId}/archive`, authenticated with a bearer API key, and
 * answers 409 Conflict when the room is already archived. This plugin turns each
 * `Live.CallbackAfterDestroyRoom` callback into that record and ignores every other command.
 *
 * Reference it from the gateway config (the path is relative to the config file):
 *
 *   plugins:
 *     archive:
 *       use: ./examples/room-archive/room-archive.ts
 *       options:
 *         baseUrl: https://archive.internal.example
 *         apiKey: ${ROOM_ARCHIVE_API_KEY}
 *
 * The README in this folder walks through the file section by section.
 */

// ── 1. Imports ──────────────────────────────────────────────────────────────────────────
// Everything a plugin needs comes from the one public module. `t` is TypeBox's builder, so
// the plugin declares its options without importing TypeBox itself. Types are imported with
// `import type` (the project compiles with `verbatimModuleSyntax`), and relative imports
// carry their `.ts` extension so the same file runs on Bun and Deno.
import { definePlugin, t, PermanentError, RetryLater, parseRetryAfter } from '../../src/plugin.ts'
import type { GatewayEvent, Static } from '../../src/plugin.ts'

// ── 2. Options ──────────────────────────────────────────────────────────────────────────
// The host validates the config's `options:` against this schema before `setup` runs,
// applies the `default:` values, and reports every mistake with its config path. With
// `additionalProperties: false`, a misspelt key (`apikey:`) is an error, not silently ignored.
export const RoomArchiveOptions = t.Object(
  {
    /** Base URL of the archive service, e.g. `https://archive.internal.example`. */
    baseUrl: t.String({ pattern: '^https?://' }),
    /** API key, sent as `Authorization: Bearer <apiKey>`. A secret: listed in `secretOptions`. */
    apiKey: t.String({ minLength: 1 }),
    /**
     * Milliseconds to wait for the archive service before giving up and retrying.
     * @default 10000
     */
    timeoutMs: t.Integer({ minimum: 1, default: 10_000 }),
  },
  { additionalProperties: false },
)
// One source of truth: the TypeScript type is derived from the schema, never written twice.
export type RoomArchiveOptions = Static<typeof RoomArchiveOptions>

// ── 3. The record the target wants ──────────────────────────────────────────────────────
// Declared as a schema too, so the archive team can share it (or generate JSON Schema from it).
export const ArchiveRecord = t.Object({
  roomId: t.String(),
  roomName: t.Optional(t.String()),
  owner: t.Optional(t.String()),
  operator: t.String(),
  dissolvedBy: t.Union([t.Literal('user'), t.Literal('system')]),
  /** When the room was dissolved, ISO 8601 UTC. */
  endedAt: t.String(),
  viewers: t.Optional(t.Integer()),
})
export type ArchiveRecord = Static<typeof ArchiveRecord>

const DESTROY_ROOM = 'Live.CallbackAfterDestroyRoom'

/** Own property of a plain object, or undefined: payloads are untrusted JSON. */
function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined
  return (value as Record<string, unknown>)[key]
}

/** Account ids may arrive as numbers or, when above 2^53, as digit strings: keep them as text. */
function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  return undefined
}

/** Integer fields may be numbers or digit strings (the gateway keeps big integers exact as text). */
function asInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value)
  return undefined
}

/**
 * Maps a destroy-room callback (https://trtc.io/document/64423) to the archive record.
 * Exported so it can be tested, and reused, on its own.
 */
export function toArchiveRecord(event: GatewayEvent): ArchiveRecord {
  const payload = event.payload
  const roomInfo = payload.RoomInfo
  // The docs put RoomId at the top level; a captured real payload also had RoomInfo.RoomId.
  const roomId = asText(payload.RoomId) ?? asText(field(roomInfo, 'RoomId'))
  // Retrying cannot conjure a room id, so this is permanent: the delivery is dead-lettered.
  if (!roomId) throw new PermanentError(`event ${event.id} has no RoomId`)

  const operator = asText(payload.Operator_Account) ?? ''
  // `DestroyBySystem` = the room was empty and Tencent dissolved it; real system dissolves
  // have also been seen with only the `@TIM#SYSTEM` operator to tell them apart.
  const bySystem = payload.EventType === 'DestroyBySystem' || operator === '@TIM#SYSTEM'
  // EventTime is in milliseconds; fall back to when the gateway received the callback.
  const eventTime = asInteger(payload.EventTime)

  return {
    roomId,
    roomName: asText(field(roomInfo, 'RoomName')),
    owner: asText(field(roomInfo, 'Owner_Account')),
    operator,
    dissolvedBy: bySystem ? 'system' : 'user',
    endedAt: eventTime === undefined ? event.receivedAt : new Date(eventTime).toISOString(),
    // `Statistic` is optional: the captured real payload had none.
    viewers: asInteger(field(payload.Statistic, 'TotalViewers')),
  }
}

// ── 4. The plugin ───────────────────────────────────────────────────────────────────────
export default definePlugin({
  // kebab-case, shown in logs and errors next to the instance id.
  name: 'room-archive',
  options: RoomArchiveOptions,
  // At most this many deliveries in flight per instance (the config's `concurrency` wins).
  defaultConcurrency: 4,
  // The host redacts these option values from every log line and error message.
  secretOptions: ['apiKey'],

  // `setup` runs once per instance, before the gateway starts listening. Do the one-time work
  // here (parse URLs, open files, import keys) and fail loudly if the config cannot work.
  setup(ctx) {
    const { apiKey, timeoutMs } = ctx.options
    // Trailing slashes would double up in `${baseUrl}/rooms/...`.
    const baseUrl = ctx.options.baseUrl.replace(/\/+$/, '')

    // `deliver` has exactly four outcomes, and choosing the right one is most of the job:
    //   resolve                  → done, never sent again;
    //   throw new Error(...)     → transient, retried with exponential backoff;
    //   throw new RetryLater(ms) → transient, retried after exactly `ms` (e.g. Retry-After);
    //   throw new PermanentError → retrying cannot help: dead-lettered at once.
    async function deliver(event: GatewayEvent): Promise<void> {
      // A route may send this plugin every command; only room destructions are archived.
      // Resolving without a request marks the others as done.
      if (event.command !== DESTROY_ROOM) return

      const record = toArchiveRecord(event)
      const url = `${baseUrl}/rooms/${encodeURIComponent(record.roomId)}/archive`

      let response: Response
      let body: string
      try {
        response = await fetch(url, {
          // PUT on a per-room URL is idempotent: sending the same record twice is harmless,
          // which matters because a retry may follow a request that did arrive.
          method: 'PUT',
          headers: {
            authorization: `Bearer ${apiKey}`,
            'content-type': 'application/json',
            // Stable across retries and replays: lets the service drop duplicates.
            'idempotency-key': event.id,
          },
          body: JSON.stringify(record),
          // A redirect would turn the PUT into a GET that "succeeds" without archiving.
          redirect: 'manual',
          // Give up after `timeoutMs`, and at once when the gateway shuts down.
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]),
        })
        // Read the (small) answer to the end so the keep-alive connection can be reused.
        body = await response.text()
      } catch (error) {
        // Network error, timeout or shutdown: transient, so a plain Error (retry). Name only:
        // runtime error messages may quote the request.
        throw new Error(`room archive request failed: ${(error as Error).name}`)
      }

      const status = response.status
      // 409 Conflict = the room is already archived. The goal is reached, so this is success:
      // that is what makes retries and replays safe.
      if ((status >= 200 && status < 300) || status === 409) {
        ctx.logger.debug('room archived', { eventId: event.id, roomId: record.roomId, status })
        return
      }

      // Quote the answer for whoever reads the dead letter, minus the key: some services echo
      // the request back in their error pages, and error messages end up in logs and stores.
      const detail = `${status} ${body.slice(0, 200).replaceAll(apiKey, '[redacted]')}`.trim()
      // Busy or down for maintenance, and the service said when to come back: honour it.
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'))
      if ((status === 503 || status === 429) && retryAfter !== undefined) {
        throw new RetryLater(retryAfter, `room archive busy: ${detail}`)
      }
      // Timeouts, rate limits and server errors are worth another try later.
      if (status === 408 || status === 429 || status >= 500) throw new Error(`room archive answered ${detail}`)
      // Anything else (400 bad record, 401 wrong key, 404 unknown route) will fail the same
      // way every time: dead-letter it so an operator can look, fix, and replay.
      throw new PermanentError(`room archive rejected room ${record.roomId}: ${detail}`)
    }

    // `close` is optional. This plugin holds nothing open (fetch pools its own connections),
    // so it has none; a plugin with a file handle or a timer would release it there.
    return { deliver }
  },
})
