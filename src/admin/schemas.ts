/**
 * The admin API's queries and answers as TypeBox schemas: the handlers check queries against
 * them, and the OpenAPI document (openapi.ts) is generated from them.
 */
import { Type as t, type Static } from '@sinclair/typebox'

const Status = t.Union([t.Literal('pending'), t.Literal('done'), t.Literal('dead')])
/** Unix ms, or an ISO 8601 time. */
const Time = t.String({ pattern: '^(\\d{1,15}|\\d{4}-\\d{2}-\\d{2}([T ][0-9:.]+)?(Z|[+-]\\d{2}:?\\d{2})?)$', description: 'Unix ms or an ISO 8601 time' })

export const EventsQuery = t.Object(
  {
    command: t.Optional(t.String({ minLength: 1, description: 'A command, or a pattern with * (Live.*)' })),
    app: t.Optional(t.String({ minLength: 1, description: 'An app name or SdkAppid' })),
    status: t.Optional(Status),
    since: t.Optional(Time),
    until: t.Optional(Time),
    q: t.Optional(t.String({ minLength: 1, maxLength: 200, description: 'A value anywhere in the payload: a room, group, user or message id, exactly' })),
    cursor: t.Optional(t.String({ pattern: '^[0-9]{1,18}$', description: 'The `next` of the previous page' })),
    limit: t.Optional(t.String({ pattern: '^[0-9]{1,3}$', description: 'Events per page, 1 to 500 (default 50)' })),
  },
  { additionalProperties: false },
)
export type EventsQuery = Static<typeof EventsQuery>

export const DeadLettersQuery = t.Object({ plugin: t.Optional(t.String({ minLength: 1 })) }, { additionalProperties: false })

/** What replay and purge take: one dead letter by id, or all (of one plugin instance). */
export const DeadLetterSelection = t.Object(
  { id: t.Optional(t.Integer({ minimum: 1 })), plugin: t.Optional(t.String({ minLength: 1 })) },
  { additionalProperties: false },
)
export type DeadLetterSelection = Static<typeof DeadLetterSelection>

const Delivery = t.Object({ id: t.Integer(), plugin: t.String(), status: Status, attempts: t.Integer() })
const Decision = t.Object({ action: t.String(), source: t.String() }, { additionalProperties: true, description: 'The recorded decision, its integers exact' })

export const EventSummary = t.Object({
  id: t.String(),
  command: t.String(),
  sdkAppId: t.String(),
  app: t.Optional(t.String()),
  receivedAt: t.String({ format: 'date-time' }),
  deliveries: t.Array(Delivery),
  decision: t.Optional(Decision),
})

export const EventList = t.Object({ events: t.Array(EventSummary), next: t.Optional(t.String()) })

const Attempt = t.Object({
  at: t.String({ format: 'date-time' }),
  ms: t.Number(),
  outcome: t.Union([t.Literal('done'), t.Literal('retry'), t.Literal('dead')]),
  error: t.Optional(t.String()),
})

export const EventDetail = t.Object({
  id: t.String(),
  command: t.String(),
  sdkAppId: t.String(),
  app: t.Optional(t.String()),
  receivedAt: t.String({ format: 'date-time' }),
  query: t.Record(t.String(), t.String(), { description: 'The query parameters kept with the event (Sign and RequestTime are not kept)' }),
  deliveries: t.Array(
    t.Object({
      ...Delivery.properties,
      nextAt: t.String({ format: 'date-time' }),
      firstError: t.Optional(t.String()),
      lastError: t.Optional(t.String()),
      updatedAt: t.String({ format: 'date-time' }),
      history: t.Array(Attempt),
    }),
  ),
  decision: t.Optional(Decision),
  payload: t.Object({}, { additionalProperties: true, description: 'The callback body exactly as received: integers above 2^53 intact' }),
})

export const DeadLetterList = t.Object({
  deadLetters: t.Array(
    t.Object({
      id: t.Integer(),
      plugin: t.String(),
      eventId: t.String(),
      command: t.String(),
      attempts: t.Integer(),
      firstError: t.Optional(t.String()),
      lastError: t.Optional(t.String()),
      deadAt: t.String({ format: 'date-time' }),
      receivedAt: t.String({ format: 'date-time' }),
    }),
  ),
})

export const Count = t.Object({ replayed: t.Optional(t.Integer()), purged: t.Optional(t.Integer()) })

export const Stats = t.Object({
  queues: t.Array(
    t.Object({
      plugin: t.String(),
      pending: t.Integer(),
      dead: t.Integer(),
      inFlight: t.Integer(),
      oldestPendingAt: t.Optional(t.String({ format: 'date-time' })),
    }),
  ),
  minutes: t.Array(t.Object({ minute: t.String({ format: 'date-time' }), callbacks: t.Integer(), done: t.Integer(), retry: t.Integer(), dead: t.Integer() }), {
    description: 'The last hour, oldest first',
  }),
})

export const ErrorBody = t.Object({ error: t.String() })
