/**
 * `{{Field}}` templates: `{{RoomId}}`, dotted paths into the payload (`{{RoomInfo.RoomName}}`,
 * `{{MemberList.0.Member_Account}}`), and the event's own fields (`{{event.id}}`,
 * `{{event.command}}`, `{{event.receivedAt}}`, `{{event.sdkAppId}}`, `{{event.attempt}}`,
 * `{{event.clientIp}}`, `{{event.optPlatform}}`). Unknown placeholders render as ''.
 *
 * The template text is the operator's and goes out verbatim (it may use Slack formatting);
 * values filled in come from callers of the Tencent app and are escaped.
 */
import type { GatewayEvent } from '../../src/plugin.ts'
import { escapeSlack, field, valueText } from './text.ts'

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g
const EVENT_FIELDS = new Set(['id', 'command', 'sdkAppId', 'receivedAt', 'attempt', 'clientIp', 'optPlatform'])

function resolvePlaceholder(path: string, event: GatewayEvent): unknown {
  if (path.startsWith('event.')) {
    const key = path.slice('event.'.length)
    if (EVENT_FIELDS.has(key)) return field(event, key)
  }
  let value: unknown = event.payload
  for (const key of path.split('.')) value = field(value, key)
  return value
}

export function renderTemplate(template: string, event: GatewayEvent): string {
  return template.replace(PLACEHOLDER, function fillPlaceholder(_match, path: string) {
    return escapeSlack(valueText(resolvePlaceholder(path, event)))
  })
}
