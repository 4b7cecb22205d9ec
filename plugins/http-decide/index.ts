/**
 * http-decide: answers Before callbacks by asking an in-house decision service.
 *
 * The request is http-sync's (src/plugin-http.ts `httpTarget`): the event as JSON, the configured
 * headers, `Idempotency-Key`, `X-Gateway-Event-Id`, `X-Gateway-Attempt` and, with `secret`, an
 * HMAC-SHA256 signature of the body. The service answers as it would answer Tencent
 * (HTTP 200, `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0, ...}`; see ./answer.ts), so a
 * service written for Tencent works behind the gateway unchanged.
 *
 * The request ends when the route's budget runs out (the decide `ctx.signal`), on shutdown, or
 * after `timeoutMs`; then, and on any answer that is not a 200 Tencent answer, decide throws and
 * the host answers with the route's `onFailure`. Errors name the status and quote a scrubbed
 * piece of the body, never a header value, the secret or the URL.
 */
import { definePlugin, t } from '../../src/plugin.ts'
import type { Decision, Static } from '../../src/plugin.ts'
import { httpTarget, httpTargetOptions, secretScrubber, snippet } from '../../src/plugin-http.ts'
import { AnswerError, decisionFromAnswer } from './answer.ts'

export const HttpDecideOptions = t.Object(
  {
    url: httpTargetOptions.url,
    headers: httpTargetOptions.headers,
    /** Milliseconds for the answer, when it must come sooner than the route's `budgetMs`. Unset: the budget alone. */
    timeoutMs: t.Optional(t.Integer({ minimum: 1 })),
    secret: httpTargetOptions.secret,
    signatureHeader: httpTargetOptions.signatureHeader,
  },
  { additionalProperties: false },
)
export type HttpDecideOptions = Static<typeof HttpDecideOptions>

// A rewritten message can be larger than the 16 KiB a sink's answer is read to: Chat allows 12 KB
// of message content, and JSON escaping can double it. A longer answer is cut off, so it fails as not JSON.
const MAX_ANSWER_BYTES = 1024 * 1024

export default definePlugin({
  name: 'http-decide',
  options: HttpDecideOptions,
  // As http-sync: `headers` is an object, which this plugin keeps out of logs and errors itself.
  secretOptions: ['secret', 'headers'],
  async setup(ctx) {
    const options = ctx.options
    const target = await httpTarget('http-decide', options)
    // A service may echo its URL in an error page; the path or the query string can hold a token.
    const query = target.url.search.slice(1)
    const path = target.url.pathname.length > 1 ? [target.url.pathname, ...target.url.pathname.split('/').filter((part) => part.length >= 8)] : []
    const scrubQuery = secretScrubber([target.url.href, query, ...new URLSearchParams(query).values(), ...path])
    const scrub = (text: string) => scrubQuery(target.scrub(text))
    // The origin only: a path or query string may hold a token.
    ctx.logger.info('http-decide ready', { target: target.url.origin, headerNames: target.headerNames, signed: target.signed, timeoutMs: options.timeoutMs })

    return {
      // Nothing is logged per call: the host logs one line per decision, with this error when it throws.
      async decide(event, decideCtx): Promise<Decision> {
        const { response, body } = await target.send(event, {
          shutdown: ctx.signal,
          budget: decideCtx.signal,
          timeoutMs: options.timeoutMs,
          maxBodyBytes: MAX_ANSWER_BYTES,
        })
        // Scrubbed before it is cut short, so no piece of a secret is left at the cut.
        const quoted = snippet(scrub(body))
        if (response.status !== 200) throw new Error(`http-decide service answered ${response.status}, not 200${quoted ? `: ${quoted}` : ''}`)
        try {
          return decisionFromAnswer(body)
        } catch (error) {
          if (error instanceof AnswerError) throw new Error(`http-decide service answered 200, but ${error.message}${quoted ? `: ${quoted}` : ''}`)
          throw error
        }
      },
    }
  },
})
