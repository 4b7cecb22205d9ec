/**
 * http-sync: sends each event as JSON to an in-house HTTP endpoint.
 *
 * Every request carries `Idempotency-Key: <event id>` (stable across retries and replays),
 * `X-Gateway-Event-Id` and `X-Gateway-Attempt`, and, when `secret` is set, an HMAC-SHA256
 * signature of the body (see ./signature.ts for how a receiver verifies it).
 *
 * Outcomes: 2xx done; 408, 429, 5xx, network errors and timeouts retried (429/503 after their
 * `Retry-After` when given); any other status dead-lettered, since the same request would be
 * refused again. Redirects are not followed: a 301/302 turns a POST into a body-less GET
 * (Fetch standard, HTTP-redirect fetch step 12), which would "succeed" without delivering.
 */
import { definePlugin, t, PermanentError, RetryLater, parseRetryAfter } from '../../src/plugin.ts'
import type { GatewayEvent, Static } from '../../src/plugin.ts'
import { describeFetchFailure, readBodyText, snippet } from '../../src/plugin-http.ts'
import { createSigner } from './signature.ts'

// RFC 9110 §5.1: a field name is a `token`.
const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"

export const HttpSyncOptions = t.Object(
  {
    /** The endpoint, `http://` or `https://`. */
    url: t.String({ pattern: '^https?://' }),
    /**
     * HTTP method of each request.
     * @default 'POST'
     */
    method: t.Union([t.Literal('POST'), t.Literal('PUT')], { default: 'POST' }),
    /**
     * Extra request headers, e.g. `Authorization`. Values are treated as secrets: never
     * logged and never put in error messages. The gateway's own headers take precedence.
     * @default {}
     */
    headers: t.Record(t.String({ pattern: HEADER_NAME }), t.String(), { default: {}, additionalProperties: false }),
    /**
     * Milliseconds to wait for the answer (headers and body) before retrying.
     * @default 10000
     */
    timeoutMs: t.Integer({ minimum: 1, default: 10_000 }),
    /** Shared secret; when set, each request carries an HMAC-SHA256 signature of its body. */
    secret: t.Optional(t.String({ minLength: 1 })),
    /**
     * Header carrying the signature when `secret` is set.
     * @default 'X-Gateway-Signature'
     */
    signatureHeader: t.String({ pattern: HEADER_NAME, default: 'X-Gateway-Signature' }),
  },
  { additionalProperties: false },
)
export type HttpSyncOptions = Static<typeof HttpSyncOptions>

const encoder = new TextEncoder()

/** Checks each configured header on its own, so the error can name the header without its value. */
function checkHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    try {
      new Headers([[name, value]])
    } catch {
      throw new Error(`http-sync: header "${name}" has a value that is not allowed in HTTP (control characters?)`)
    }
  }
}

/** Replaces configured secrets (header values, the signing secret) in text a target sent back. */
function scrubber(secrets: string[]): (text: string) => string {
  // Like the host's registry: very short values would mangle ordinary words.
  const long = secrets.filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length)
  return (text) => long.reduce((out, secret) => out.split(secret).join('[redacted]'), text)
}

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
    let url: URL
    try {
      url = new URL(options.url)
    } catch {
      throw new Error('http-sync: url is not a valid URL')
    }
    checkHeaders(options.headers)
    const scrub = scrubber([...Object.values(options.headers), ...(options.secret ? [options.secret] : [])])
    const sign = options.secret ? await createSigner(options.secret) : undefined
    // The origin only: a path or query string may hold a token.
    ctx.logger.info('http-sync ready', {
      target: url.origin,
      method: options.method,
      headerNames: Object.keys(options.headers),
      signed: sign !== undefined,
    })

    async function buildHeaders(event: GatewayEvent, body: Uint8Array<ArrayBuffer>): Promise<Headers> {
      const headers = new Headers(options.headers)
      headers.set('content-type', 'application/json')
      headers.set('idempotency-key', event.id)
      headers.set('x-gateway-event-id', event.id)
      headers.set('x-gateway-attempt', String(event.attempt))
      if (sign) headers.set(options.signatureHeader, await sign(body))
      return headers
    }

    async function send(event: GatewayEvent): Promise<{ response: Response; body: string }> {
      // Signed and sent as bytes, so the signature covers exactly what goes on the wire.
      const body = encoder.encode(JSON.stringify(event))
      const headers = await buildHeaders(event, body)
      try {
        const response = await fetch(url, {
          method: options.method,
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(options.timeoutMs)]),
        })
        // Read (small) bodies to the end so the keep-alive connection goes back to the pool.
        return { response, body: await readBodyText(response) }
      } catch (error) {
        // No `cause`: runtime errors carry the URL.
        throw new Error(`http-sync request failed: ${describeFetchFailure(error, ctx.signal, options.timeoutMs)}`)
      }
    }

    return {
      async deliver(event) {
        const { response, body } = await send(event)
        if (response.status >= 200 && response.status < 300) {
          ctx.logger.debug('delivered', { eventId: event.id, status: response.status })
          return
        }
        throw failureFor(response, `${response.status} ${scrub(snippet(body))}`.trim())
      },
    }
  },
})
