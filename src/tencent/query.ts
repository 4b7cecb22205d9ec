/**
 * Tencent's query parameters, read case-insensitively: the docs spell `SdkAppid` on
 * per-callback pages and `SdkAppId` in the Live overview, and `CallbackCommand` is
 * `WebhookCommand` in one translated table (docs/design.md §8.1, §8.6).
 */

export interface CallbackQuery {
  sdkAppId?: string
  callbackCommand?: string
  contentType?: string
  clientIp?: string
  optPlatform?: string
  sign?: string
  requestTime?: string
}

const KEY_MAP: Record<string, keyof CallbackQuery> = {
  sdkappid: 'sdkAppId',
  callbackcommand: 'callbackCommand',
  webhookcommand: 'callbackCommand',
  contenttype: 'contentType',
  clientip: 'clientIp',
  optplatform: 'optPlatform',
  sign: 'sign',
  requesttime: 'requestTime',
}

/**
 * Reads the known keys from a URL's query string. When a key repeats (a configured
 * URL with its own query string, then Tencent's appended one), the last value wins:
 * Tencent appends its parameters after the configured URL's.
 */
export function readCallbackQuery(url: string): CallbackQuery {
  const query: CallbackQuery = {}
  const start = url.indexOf('?')
  if (start === -1) return query
  const params = new URLSearchParams(url.slice(start + 1))
  for (const [key, value] of params) {
    const field = KEY_MAP[key.toLowerCase()]
    if (field) query[field] = value
  }
  return query
}
