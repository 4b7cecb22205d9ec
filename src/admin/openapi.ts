/**
 * The admin API's OpenAPI 3.1 document, generated from the schemas its handlers use
 * (schemas.ts): TypeBox schemas are JSON Schema, which OpenAPI 3.1 takes as they are.
 */
import type { TObject, TSchema } from '@sinclair/typebox'
import { Count, DeadLetterList, DeadLetterSelection, DeadLettersQuery, ErrorBody, EventDetail, EventList, EventsQuery, Stats } from './schemas.ts'

interface Route {
  method: 'get' | 'post'
  path: string
  summary: string
  query?: TObject
  body?: TSchema
  ok: TSchema
  /** Other answers than 200 and 401. */
  errors?: Record<number, string>
}

const ROUTES: Route[] = [
  {
    method: 'get',
    path: '/api/events',
    summary: 'Events, newest first, filtered; cursor-paginated',
    query: EventsQuery,
    ok: EventList,
    errors: { 400: 'a query parameter is not valid' },
  },
  {
    method: 'get',
    path: '/api/events/{id}',
    summary: 'One event: its payload exactly as received, its decision, each delivery with every attempt',
    ok: EventDetail,
    errors: { 404: 'no such event' },
  },
  { method: 'get', path: '/api/dead-letters', summary: 'Dead letters, of every plugin instance or one', query: DeadLettersQuery, ok: DeadLetterList },
  {
    method: 'post',
    path: '/api/dead-letters/{id}/replay',
    summary: 'Replays one dead letter now, with a fresh attempt budget',
    ok: Count,
    errors: { 404: 'no such delivery', 409: 'not a dead letter' },
  },
  {
    method: 'post',
    path: '/api/dead-letters/replay',
    summary: 'Replays dead letters: one by id, all of a plugin instance, or all',
    body: DeadLetterSelection,
    ok: Count,
  },
  {
    method: 'post',
    path: '/api/dead-letters/purge',
    summary: 'Deletes dead letters: one by id, all of a plugin instance, or all',
    body: DeadLetterSelection,
    ok: Count,
  },
  { method: 'get', path: '/api/stats', summary: 'Queues per plugin instance; callbacks and delivery outcomes per minute over the last hour', ok: Stats },
]

const content = (schema: TSchema) => ({ 'application/json': { schema } })

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of ROUTES) {
    const parameters = [
      ...(route.path.includes('{id}') ? [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }] : []),
      ...Object.entries(route.query?.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
    ]
    const responses: Record<string, unknown> = {
      200: { description: 'OK', content: content(route.ok) },
      401: { description: 'no or a wrong bearer token', content: content(ErrorBody) },
    }
    for (const [status, description] of Object.entries(route.errors ?? {})) responses[status] = { description, content: content(ErrorBody) }
    paths[route.path] = {
      ...paths[route.path],
      [route.method]: {
        summary: route.summary,
        parameters,
        ...(route.body && { requestBody: { required: false, content: content(route.body) } }),
        responses,
      },
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Tencent callback gateway: admin API', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  }
}
