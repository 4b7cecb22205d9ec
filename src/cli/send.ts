/**
 * `send`: posts a callback as Tencent would — the query parameters Tencent appends, and
 * Sign/RequestTime when a token is given — and prints the answer.
 */
import { existsSync, readFileSync } from 'node:fs'
import { loadConfig } from '../config/load.ts'
import { appIdFor, appsOf } from '../config/apps.ts'
import { computeSign } from '../tencent/signature.ts'
import { sampleBody } from '../tencent/samples.ts'
import { beforeCommand } from '../tencent/decisions.ts'
import { CONFIG_OPTIONS, parse, printUsage, UsageError, type CommandSpec, type OptionSpecs } from './args.ts'
import { DEFAULT_TRTC_COMMAND, sendTrtc, trtcDefaults } from './send-trtc.ts'

const DEFAULT_COMMAND = 'Live.CallbackAfterDestroyRoom'

const OPTIONS = {
  url: { type: 'string', value: 'URL', help: 'the callback URL, as configured in Tencent (required)' },
  command: { type: 'string', value: 'CMD', help: 'the CallbackCommand to send', default: DEFAULT_COMMAND },
  file: {
    type: 'string',
    value: 'FILE',
    help: 'a JSON body to send as is, its CallbackCommand matching --command',
    default: 'a built-in sample for --command',
  },
  token: {
    type: 'string',
    value: 'T',
    help: 'sign the request with this callback token',
    default: "$TENCENT_CALLBACK_TOKEN, else the config's token of the app sent for",
  },
  'sdk-app-id': {
    type: 'string',
    value: 'ID',
    help: 'the SdkAppid to send (or an app name from tencent.apps)',
    default: "SdkAppid in --url, else the config's first app",
  },
  trtc: { type: 'boolean', help: 'send a TRTC room/media callback to the TRTC path (--url), signed with --key' },
  key: { type: 'string', value: 'K', help: 'with --trtc: the TRTC callback key', default: "$TRTC_CALLBACK_KEY, else the config's trtc.key" },
  config: { ...CONFIG_OPTIONS.config, help: 'where the SdkAppid and the token come from', default: './config.yaml, in the current directory, if there is one' },
  env: CONFIG_OPTIONS.env,
} satisfies OptionSpecs

export const SEND: CommandSpec<typeof OPTIONS> = {
  synopsis: [
    'send --url URL [--command CMD] [--file FILE] [--token T] [--sdk-app-id ID | --config FILE [--env NAME]]',
    'send --trtc --url URL [--command TRTC.Room.EnterRoom] [--file FILE] [--key K] [--sdk-app-id ID | --config FILE [--env NAME]]',
  ],
  summary:
    'Post a callback the way Tencent would (its query parameters, a Sign when there is a token) and print\nthe answer. Exits 0 on a 2xx answer, 1 otherwise.',
  options: OPTIONS,
}

export interface SendInput {
  url: string
  command: string
  body?: string
  token?: string
  sdkAppId?: string
  clientIp?: string
  optPlatform?: string
  nowMs?: number
}

/** The URL Tencent would call: the configured URL with Tencent's parameters appended after its own. */
export function callbackUrl(input: SendInput): string {
  const url = new URL(input.url)
  const sdkAppId = input.sdkAppId ?? url.searchParams.get('SdkAppid') ?? url.searchParams.get('SdkAppId')
  if (!sdkAppId) throw new UsageError('no SdkAppid: pass --sdk-app-id or --config FILE, or put SdkAppid=... in --url')
  const params = new URLSearchParams()
  if (!url.searchParams.has('SdkAppid') && !url.searchParams.has('SdkAppId')) params.set('SdkAppid', sdkAppId)
  params.set('CallbackCommand', input.command)
  params.set('contenttype', 'json')
  params.set('ClientIP', input.clientIp ?? '127.0.0.1')
  params.set('OptPlatform', input.optPlatform ?? 'RESTAPI')
  if (input.token) {
    const requestTime = String(Math.floor((input.nowMs ?? Date.now()) / 1000))
    params.set('Sign', computeSign(input.token, requestTime))
    params.set('RequestTime', requestTime)
  }
  const joiner = url.search ? '&' : '?'
  return `${url.origin}${url.pathname}${url.search}${joiner}${params}`
}

export async function sendCallback(input: SendInput): Promise<Response> {
  const body = input.body ?? JSON.stringify(sampleBody(input.command, input.nowMs))
  return fetch(callbackUrl(input), { method: 'POST', body, headers: { 'content-type': 'application/json' } })
}

/**
 * Without --sdk-app-id (or SdkAppid in the URL), the app id, and the token when --token is
 * absent, come from --config, or from ./config.yaml when it exists: the same values the
 * server checks, so `send --url URL` works against the repo's own config. `wanted` (an
 * SdkAppid or an app name) picks that app and its own token (docs/design.md §3
 * `tencent.apps`); else the first app is sent for.
 */
async function defaultsFromConfig(
  configPath: string | undefined,
  environment: string | undefined,
  wanted: string | undefined,
): Promise<{ sdkAppId?: string; token?: string }> {
  const path = configPath ?? (existsSync('config.yaml') ? 'config.yaml' : undefined)
  if (!path) return {}
  // Only tencent.* is read: a plugin secret missing here (SLACK_WEBHOOK_URL) must not stop a test callback.
  const { config } = await loadConfig({ path, environment, scope: 'store' })
  const apps = appsOf(config.tencent)
  const id = wanted === undefined ? apps[0]?.sdkAppId : appIdFor(apps, wanted)
  const app = apps.find((a) => a.sdkAppId === id)
  // An SdkAppid the config does not know: the single-token form's token still signs for it
  // (as before), while no app of tencent.apps lends its token to another.
  const token = app ? app.tokens[0] : config.tencent.apps ? undefined : apps[0]?.tokens[0]
  return { sdkAppId: id ?? wanted, token }
}

export async function sendCommand(args: string[]): Promise<number> {
  const { values, help } = parse(args, SEND)
  if (help) return printUsage(SEND)
  if (!values.url) throw new UsageError('--url URL is required (the callback URL, e.g. http://127.0.0.1:3000/callback)')
  if (!URL.canParse(values.url)) throw new UsageError(`--url is not a URL: ${values.url}`)
  if (values.key && !values.trtc) throw new UsageError('--key is the TRTC callback key: use it with --trtc (a Chat/Live token is --token)')
  let body: string | undefined
  if (values.file) {
    try {
      body = readFileSync(values.file, 'utf8')
    } catch (error) {
      throw new UsageError(`cannot read --file ${values.file}: ${(error as NodeJS.ErrnoException).code ?? error}`)
    }
  }
  if (values.trtc) {
    if (values.token) throw new UsageError('--token signs Chat/Live callbacks; a TRTC callback is signed with --key')
    const { key, sdkAppId } = await trtcDefaults({ key: values.key, sdkAppId: values['sdk-app-id'], config: values.config, env: values.env })
    const response = await sendTrtc({ url: values.url, command: values.command ?? DEFAULT_TRTC_COMMAND, body, key, sdkAppId })
    console.log(`HTTP ${response.status}`)
    console.log(await response.text())
    return response.ok ? 0 : 1
  }
  const url = new URL(values.url)
  const inUrl = [...url.searchParams.keys()].find((key) => key.toLowerCase() === 'sdkappid')
  const wanted = values['sdk-app-id'] ?? (inUrl ? url.searchParams.get(inUrl)! : undefined)
  // With both given, the config is not needed, unless --sdk-app-id is an app name to look up.
  const defaults =
    values['sdk-app-id'] && /^[0-9]+$/.test(values['sdk-app-id']) && values.token ? {} : await defaultsFromConfig(values.config, values.env, wanted)
  const response = await sendCallback({
    url: values.url,
    command: values.command ?? DEFAULT_COMMAND,
    body,
    token: values.token ?? process.env.TENCENT_CALLBACK_TOKEN ?? defaults.token,
    // An app name given to --sdk-app-id is sent as its SdkAppid.
    sdkAppId: inUrl ? undefined : (defaults.sdkAppId ?? values['sdk-app-id']),
  })
  console.log(`HTTP ${response.status}`)
  const text = await response.text()
  console.log(text)
  const command = values.command ?? DEFAULT_COMMAND
  if (response.ok && beforeCommand(command)) console.log(describeDecision(command, text))
  return response.ok ? 0 : 1
}

/** A Before answer in words: `decision: deny (ErrorCode 102101, "too many gifts")`. */
export function describeDecision(command: string, body: string): string {
  let answer: Record<string, unknown>
  try {
    answer = JSON.parse(body) as Record<string, unknown>
  } catch {
    return 'decision: unreadable answer'
  }
  const code = answer.ErrorCode
  const fields = Object.keys(answer).filter((key) => !['ActionStatus', 'ErrorInfo', 'ErrorCode'].includes(key))
  const action = code === 0 ? (fields.length ? 'modify' : 'allow') : code === 2 && beforeCommand(command)?.drop ? 'drop' : 'deny'
  const info = typeof answer.ErrorInfo === 'string' && answer.ErrorInfo ? `, ${JSON.stringify(answer.ErrorInfo)}` : ''
  const changed = fields.length ? `, sets ${fields.join(', ')}` : ''
  return `decision: ${action} (ErrorCode ${String(code)}${info}${changed})`
}
