/**
 * How an event reads in the admin API and in `events list --json` / `events show --json`: times
 * as ISO 8601, the app's name from the current config, and the stored JSON texts (payload,
 * decision) spliced in exactly as they are (json.ts).
 */
import type { EventDetail, EventSummary } from '../store/event-log.ts'
import { withRawJson } from './json.ts'

export const iso = (ms: number) => new Date(ms).toISOString()

/** SdkAppid → app name, when the config names it. */
export type AppNameOf = (sdkAppId: string) => string | undefined

export function renderSummary(e: EventSummary, appOf: AppNameOf): string {
  return withRawJson(
    { id: e.id, command: e.command, sdkAppId: e.sdkAppId, app: appOf(e.sdkAppId), receivedAt: iso(e.receivedAt), deliveries: e.deliveries },
    { decision: e.decision },
  )
}

/** Ends with the payload, exactly as received. */
export function renderDetail(e: EventDetail, appOf: AppNameOf): string {
  return withRawJson(
    {
      id: e.id,
      command: e.command,
      sdkAppId: e.sdkAppId,
      app: appOf(e.sdkAppId),
      receivedAt: iso(e.receivedAt),
      // What the store keeps of the query; Sign and RequestTime are not kept.
      query: {
        SdkAppid: e.sdkAppId,
        CallbackCommand: e.command,
        ...(e.clientIp !== undefined && { ClientIP: e.clientIp }),
        ...(e.optPlatform !== undefined && { OptPlatform: e.optPlatform }),
      },
      deliveries: e.deliveries.map((d) => ({
        ...d,
        nextAt: iso(d.nextAt),
        updatedAt: iso(d.updatedAt),
        history: d.history.map((a) => ({ ...a, at: iso(a.at) })),
      })),
    },
    { decision: e.decision, payload: e.body },
  )
}

/** An app name or SdkAppid → the SdkAppids it names; undefined when it names none. */
export function sdkAppIdsOf(app: string, names: ReadonlyMap<string, string>): string[] | undefined {
  const named = [...names].filter(([, name]) => name === app).map(([id]) => id)
  if (named.length) return named
  return /^\d+$/.test(app) ? [app] : undefined
}

/** Unix ms or an ISO 8601 time; NaN when it is neither. */
export function parseTime(text: string): number {
  return /^\d+$/.test(text) ? Number(text) : Date.parse(text)
}

/** JSON text indented two spaces a level, its numbers and strings exactly as written (no parse, no rounding). */
export function indentJson(text: string): string {
  let out = ''
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (inString) {
      out += c
      if (c === '\\') out += text[++i] ?? ''
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') inString = true
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue
    if (c === '}' || c === ']') out += `\n${'  '.repeat(--depth)}`
    out += c === ':' ? ': ' : c
    if (c === '{' || c === '[') out += `\n${'  '.repeat(++depth)}`
    else if (c === ',') out += `\n${'  '.repeat(depth)}`
  }
  return out.replace(/\{\n\s*\}/g, '{}').replace(/\[\n\s*\]/g, '[]')
}
