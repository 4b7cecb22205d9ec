/**
 * Text helpers shared by the default messages and the template renderer.
 */

/**
 * Escapes the three characters Slack's mrkdwn treats as control characters
 * (https://api.slack.com/reference/surfaces/formatting#escaping). Without this, a room
 * named `<!channel>` would ping the whole channel, and `<https://evil|x>` would be a link.
 */
export function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

/** A payload value as message text: strings as is, numbers and booleans printed, objects as JSON. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  return JSON.stringify(value)
}

/**
 * Tencent's `EventTime` (milliseconds) as ISO 8601. It is an integer on most commands but a
 * quoted digit string on some (Group message callbacks), so both are accepted.
 */
export function eventTimeIso(value: unknown): string | undefined {
  const ms = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isFinite(ms)) return undefined
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

/** Own property `key` of `value` when it is a plain object; never walks the prototype chain. */
export function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined
}
