/**
 * slack-notifier: posts a message per event to a Slack incoming webhook.
 *
 * Outcomes follow Slack's documented webhook errors
 * (https://api.slack.com/messaging/webhooks#handling_errors): 2xx done; 429 retried after
 * `Retry-After`; 5xx, network errors and timeouts retried with backoff; any other 4xx
 * (`invalid_payload`, `action_prohibited`, `channel_not_found`, `channel_is_archived`, …)
 * dead-lettered, since sending the same message again cannot succeed.
 */
import { definePlugin, t, PermanentError, RetryLater, parseRetryAfter } from '../../src/plugin.ts'
import type { GatewayEvent, Static } from '../../src/plugin.ts'
import { defaultMessage } from './messages.ts'
import { renderTemplate } from './template.ts'
import { describeFetchFailure, readBodyText, snippet } from '../../src/plugin-http.ts'

export const SlackNotifierOptions = t.Object(
  {
    /** The incoming webhook URL (`https://hooks.slack.com/services/…`). A secret: never logged. */
    webhookUrl: t.String({ pattern: '^https?://' }),
    /**
     * Message text with `{{Field}}` placeholders: payload fields, dotted paths
     * (`{{RoomInfo.RoomName}}`) and `{{event.id}}`, `{{event.command}}`, `{{event.receivedAt}}`,
     * `{{event.sdkAppId}}`. Unknown placeholders render as ''. When unset, a readable message
     * per known command is sent.
     */
    template: t.Optional(t.String({ minLength: 1 })),
    /**
     * Milliseconds to wait for Slack's answer before retrying.
     * @default 5000
     */
    timeoutMs: t.Integer({ minimum: 1, default: 5000 }),
    /** Overrides the sender name (honoured by legacy webhooks only; Slack-app webhooks ignore it). */
    username: t.Optional(t.String()),
    /** Overrides the sender icon, e.g. `:satellite:` (legacy webhooks only). */
    iconEmoji: t.Optional(t.String()),
    /** Overrides the channel, e.g. `#live-ops` (legacy webhooks only). */
    channel: t.Optional(t.String()),
  },
  { additionalProperties: false },
)
export type SlackNotifierOptions = Static<typeof SlackNotifierOptions>

/** Slack's optional message fields, under their Slack names. */
function passthroughFields(options: SlackNotifierOptions): Record<string, string> {
  const fields: Record<string, string> = {}
  if (options.username !== undefined) fields.username = options.username
  if (options.iconEmoji !== undefined) fields.icon_emoji = options.iconEmoji
  if (options.channel !== undefined) fields.channel = options.channel
  return fields
}

/** Removes the webhook URL (and its path, which holds the token) from text we did not write. */
function scrubber(webhookUrl: URL): (text: string) => string {
  const secrets = [webhookUrl.href, webhookUrl.pathname].filter((secret) => secret.length > 1)
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text)
}

export default definePlugin({
  name: 'slack-notifier',
  options: SlackNotifierOptions,
  // Slack allows about one message per second per webhook; one at a time also keeps order.
  defaultConcurrency: 1,
  secretOptions: ['webhookUrl'],
  setup(ctx) {
    const options = ctx.options
    let webhookUrl: URL
    try {
      webhookUrl = new URL(options.webhookUrl)
    } catch {
      throw new Error('slack-notifier: webhookUrl is not a valid URL')
    }
    const scrub = scrubber(webhookUrl)
    const extras = passthroughFields(options)
    // The host only: the webhook URL's path is its credential.
    ctx.logger.info('slack-notifier ready', {
      host: webhookUrl.host,
      template: options.template ? 'custom' : 'per command',
      timeoutMs: options.timeoutMs,
    })

    async function post(event: GatewayEvent): Promise<{ response: Response; body: string }> {
      const text = options.template ? renderTemplate(options.template, event) : defaultMessage(event)
      try {
        const response = await fetch(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text, ...extras }),
          // Slack never redirects webhooks; following one would send the message elsewhere.
          redirect: 'manual',
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(options.timeoutMs)]),
        })
        return { response, body: await readBodyText(response) }
      } catch (error) {
        // No `cause`: the original error carries the URL.
        throw new Error(`slack webhook request failed: ${describeFetchFailure(error, ctx.signal, options.timeoutMs)}`)
      }
    }

    return {
      async deliver(event) {
        const { response, body } = await post(event)
        const status = response.status
        if (status >= 200 && status < 300) {
          ctx.logger.debug('posted to slack', { eventId: event.id, status })
          return
        }
        const detail = `${status} ${scrub(snippet(body))}`.trim()
        if (status === 429) {
          throw new RetryLater(parseRetryAfter(response.headers.get('retry-after')) ?? 30_000, `slack rate limited: ${detail}`)
        }
        if (status >= 500 || status === 408) throw new Error(`slack webhook answered ${detail}`)
        throw new PermanentError(`slack webhook rejected the message: ${detail}`)
      },
    }
  },
})
