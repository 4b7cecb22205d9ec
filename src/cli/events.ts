/**
 * `events list [filters] [--json]` and `events show ID [--json]`: the admin console's view of the
 * store from the command line (docs/cli.md#events), on SQLite or PostgreSQL, while servers run.
 */
import { appsOf } from '../config/apps.ts'
import type { LoadedConfig } from '../config/load.ts'
import { iso, indentJson, parseTime, renderDetail, renderSummary, sdkAppIdsOf } from '../admin/render.ts'
import type { EventQuery } from '../store/event-log.ts'
import type { DeliveryStatus } from '../store/store.ts'
import { withStore } from './store.ts'
import { CONFIG_OPTIONS, nestedCommand, parse, printUsage, usage, UsageError, type CommandSpec, type OptionSpecs } from './args.ts'

const STORE_NOTE = "Reads the config's store (SQLite or PostgreSQL; it must exist) while the server runs."
const JSON_ = { type: 'boolean', help: 'print JSON, as the admin API answers' } as const

const LIST_OPTIONS = {
  command: { type: 'string', value: 'CMD', help: 'only this command, or a pattern with * (Live.*)', default: 'every command' },
  app: { type: 'string', value: 'APP', help: 'only this app: its name in tencent.apps, or its SdkAppid', default: 'every app' },
  status: { type: 'string', value: 'STATUS', help: 'only events with a delivery that is pending, done or dead', default: 'any' },
  since: { type: 'string', value: 'TIME', help: 'received at or after TIME (ISO 8601 or Unix ms)' },
  until: { type: 'string', value: 'TIME', help: 'received before TIME (ISO 8601 or Unix ms)' },
  q: { type: 'string', value: 'ID', help: 'a value anywhere in the payload (room, group, user, message key), exactly' },
  limit: { type: 'string', value: 'N', help: 'events to print, newest first, 1 to 500', default: '20' },
  cursor: { type: 'string', value: 'NEXT', help: 'the page after the one that printed this cursor' },
  json: JSON_,
  ...CONFIG_OPTIONS,
} satisfies OptionSpecs
const SHOW_OPTIONS = { json: JSON_, ...CONFIG_OPTIONS } satisfies OptionSpecs

const ACTIONS = {
  list: {
    synopsis: [
      'events list [--command CMD] [--app APP] [--status STATUS] [--since TIME] [--until TIME] [--q ID] [--limit N] [--cursor NEXT] [--json] [--config FILE] [--env NAME]',
    ],
    summary: `Print stored events, newest first: when, id, command, app, and each delivery's status.\n${STORE_NOTE}`,
    options: LIST_OPTIONS,
  },
  show: {
    synopsis: ['events show ID [--json] [--config FILE] [--env NAME]'],
    summary: `Print one event: its query, decision, each delivery with every attempt, and the payload exactly\nas received. Exits 1 when there is no such event.\n${STORE_NOTE}`,
    options: SHOW_OPTIONS,
    args: [{ name: 'ID', help: 'the event id, as `events list` prints it' }],
  },
} satisfies Record<string, CommandSpec>

export const EVENTS: CommandSpec = {
  synopsis: ACTIONS.list.synopsis.concat(ACTIONS.show.synopsis),
  summary: `Stored callbacks, as the admin console shows them.\n${STORE_NOTE}\n\ncommands:\n  list    print events, newest first, with filters\n  show    print one event with every delivery attempt`,
  options: { ...LIST_OPTIONS },
  args: [{ name: 'ID', help: 'show: the event id' }],
  notes: ['Run `bun src/main.ts events COMMAND --help` for one command.'],
}

export async function eventsCommand(args: string[]): Promise<number> {
  const picked = nestedCommand('events', EVENTS, Object.keys(ACTIONS), args)
  if (picked === 'help') return printUsage(EVENTS)
  const { name, rest } = picked
  return name === 'list' ? list(rest) : show(rest)
}

const appNames = (loaded: LoadedConfig) => new Map(appsOf(loaded.config.tencent).flatMap((app) => (app.name ? [[app.sdkAppId, app.name] as const] : [])))

async function list(args: string[]): Promise<number> {
  const spec = ACTIONS.list
  const { values, help } = parse(args, spec)
  if (help) return printUsage(spec)
  const limit = Number(values.limit ?? 20)
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError(`--limit takes 1 to 500, got "${values.limit}"`, usage(spec))
  if (values.status !== undefined && !['pending', 'done', 'dead'].includes(values.status))
    throw new UsageError(`--status takes pending, done or dead, got "${values.status}"`, usage(spec))
  const time = (name: 'since' | 'until') => {
    const text = values[name]
    if (text === undefined) return undefined
    const ms = parseTime(text)
    if (Number.isNaN(ms)) throw new UsageError(`--${name} takes an ISO 8601 time or Unix ms, got "${text}"`, usage(spec))
    return ms
  }
  if (values.cursor !== undefined && !/^\d{1,18}$/.test(values.cursor))
    throw new UsageError(`--cursor takes what a page printed as its next cursor`, usage(spec))
  const query: EventQuery = {
    command: values.command,
    status: values.status as DeliveryStatus | undefined,
    since: time('since'),
    until: time('until'),
    q: values.q,
    cursor: values.cursor,
    limit,
  }
  return withStore(values, async (store, loaded) => {
    const names = appNames(loaded)
    if (values.app !== undefined) {
      query.sdkAppIds = sdkAppIdsOf(values.app, names)
      if (!query.sdkAppIds) throw new UsageError(`--app: no app is named "${values.app}" in tencent.apps`, usage(spec))
    }
    const page = await store.listEvents(query)
    const appOf = (id: string) => names.get(id)
    if (values.json) {
      console.log(`{"events":[${page.events.map((e) => renderSummary(e, appOf)).join(',')}]${page.next ? `,"next":${JSON.stringify(page.next)}` : ''}}`)
      return 0
    }
    if (page.events.length === 0) console.log('no events match')
    else {
      console.log(['RECEIVED', 'ID', 'COMMAND', 'APP', 'DELIVERIES'].join('\t'))
      for (const e of page.events) {
        const deliveries = e.deliveries.map((d) => `${d.plugin}:${d.status}`).join(' ') || '(not routed)'
        console.log([iso(e.receivedAt), e.id, e.command, appOf(e.sdkAppId) ?? e.sdkAppId, deliveries].join('\t'))
      }
    }
    if (page.next) console.log(`more: --cursor ${page.next}`)
    return 0
  })
}

async function show(args: string[]): Promise<number> {
  const spec = ACTIONS.show
  const { values, positionals, help } = parse(args, spec)
  if (help) return printUsage(spec)
  const [id] = positionals
  if (id === undefined) throw new UsageError('events show needs an event ID', usage(spec))
  return withStore(values, async (store, loaded) => {
    const event = await store.getEvent(id)
    if (!event) {
      console.error(`no event ${id} (a wrong id, or pruned by retention)`)
      return 1
    }
    const names = appNames(loaded)
    if (values.json) {
      console.log(renderDetail(event, (sdk) => names.get(sdk)))
      return 0
    }
    const app = names.get(event.sdkAppId)
    console.log(`event     ${event.id}`)
    console.log(`command   ${event.command}`)
    console.log(`app       ${app ? `${app} (${event.sdkAppId})` : event.sdkAppId}`)
    console.log(`received  ${iso(event.receivedAt)}`)
    if (event.clientIp) console.log(`ClientIP  ${event.clientIp}`)
    if (event.optPlatform) console.log(`OptPlatform ${event.optPlatform}`)
    if (event.decision) console.log(`decision  ${event.decision}`)
    if (event.deliveries.length === 0) console.log('deliveries: none (no route sent it anywhere)')
    for (const d of event.deliveries) {
      console.log(
        `delivery ${d.id} to ${d.plugin}: ${d.status}, ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.status === 'pending' ? `, due ${iso(d.nextAt)}` : ''}`,
      )
      for (const a of d.history) console.log(`  ${iso(a.at)}  ${a.outcome}  ${Math.round(a.ms)} ms${a.error ? `  ${a.error}` : ''}`)
    }
    console.log('payload, as received:')
    console.log(indentJson(event.body))
    return 0
  })
}
