/**
 * http-sync: sends each event as JSON to an in-house HTTP endpoint.
 *
 * Every request carries `Idempotency-Key: <event id>` (stable across retries and replays),
 * `X-Gateway-Event-Id` and `X-Gateway-Attempt`, and, when `secret` is set, an HMAC-SHA256
 * signature of the body (see createVerifier in src/plugin-http.ts for how a receiver verifies it).
 *
 * Outcomes: 2xx done; 408, 429, 5xx, network errors and timeouts retried (429/503 after their
 * `Retry-After` when given); any other status dead-lettered, since the same request would be
 * refused again. Redirects are not followed: a 301/302 turns a POST into a body-less GET
 * (Fetch standard, HTTP-redirect fetch step 12), which would "succeed" without delivering.
 */
import { definePlugin, t, PermanentError, RetryLater, parseRetryAfter } from '../../src/plugin.ts'
import type { Static } from '../../src/plugin.ts'
import { httpTarget, httpTargetOptions, snippet } from '../../src/plugin-http.ts'

export const HttpSyncOptions = t.Object(
  {
    url: httpTargetOptions.url,
    /**
     * HTTP method of each request.
     * @default 'POST'
     */
    method: t.Union([t.Literal('POST'), t.Literal('PUT')], { default: 'POST' }),
    headers: httpTargetOptions.headers,
    /**
     * Milliseconds to wait for the answer (headers and body) before retrying.
     * @default 10000
     */
    timeoutMs: t.Integer({ minimum: 1, default: 10_000 }),
    secret: httpTargetOptions.secret,
    signatureHeader: httpTargetOptions.signatureHeader,
  },
  { additionalProperties: false },
)
export type HttpSyncOptions = Static<typeof HttpSyncOptions>

/** Maps a non-2xx answer to the error that tells the host what to do next. */
function failureFor(response: Response, detail: string): Error {
  const status = response.status
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'))
  if ((status === 429 || status === 503) && retryAfter !== undefined) {
    return new RetryLater(retryAfter, `http-sync target answered ${detail}; retry in ${retryAfter} ms`)
  }
  if (status === 408 || status === 429 || status >= 500) return new Error(`http-sync target answered ${detail}`)
  if (status >= 300 && status < 400) {
    return new PermanentError(`http-sync target redirected (${status}); redirects are not followed, set url to the final address`)
  }
  return new PermanentError(`http-sync target rejected the event: ${detail}`)
}

export default definePlugin({
  name: 'http-sync',
  options: HttpSyncOptions,
  defaultConcurrency: 4,
  // `headers` is an object: a host that only registers string values will not redact it,
  // which is why this plugin never logs header values or echoes them in errors itself.
  secretOptions: ['secret', 'headers'],
  async setup(ctx) {
    const options = ctx.options
    const target = await httpTarget('http-sync', options)
    // The origin only: a path or query string may hold a token.
    ctx.logger.info('http-sync ready', { target: target.url.origin, method: options.method, headerNames: target.headerNames, signed: target.signed })

    return {
      async deliver(event) {
        const { response, body } = await target.send(event, { method: options.method, shutdown: ctx.signal, timeoutMs: options.timeoutMs })
        if (response.status >= 200 && response.status < 300) {
          ctx.logger.debug('delivered', { eventId: event.id, status: response.status })
          return
        }
        throw failureFor(response, `${response.status} ${snippet(target.scrub(body))}`.trim())
      },
    }
  },
})
