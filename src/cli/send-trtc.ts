/**
 * `send --trtc`: posts a TRTC callback as Tencent would (docs/design.md §1, "The TRTC path"):
 * the body of the chosen event, the `SdkAppId` header, and `Sign = base64(HMAC-SHA256(key,
 * body))` over the exact bytes sent.
 */
import { existsSync } from 'node:fs'
import { loadConfig } from '../config/load.ts'
import { appIdFor, appsOf } from '../config/apps.ts'
import { trtcApps } from '../config/trtc.ts'
import { computeTrtcSign, TRTC_APP_HEADER, TRTC_COMMANDS, TRTC_SIGN_HEADER } from '../tencent/trtc.ts'
import { trtcSample } from '../tencent/trtc-schemas.ts'
import { UsageError } from './args.ts'

export const DEFAULT_TRTC_COMMAND = 'TRTC.Room.EnterRoom'

export interface TrtcSendInput {
  url: string
  command: string
  /** Sent as is instead of the command's sample. */
  body?: string
  key: string
  sdkAppId: string
  nowMs?: number
}

export function trtcBody(command: string, nowMs?: number): string {
  const sample = trtcSample(command, nowMs)
  if (!sample) {
    const known = TRTC_COMMANDS.map((c) => c.command).join(', ')
    throw new UsageError(`--command ${command} is not a TRTC command (known: ${known}; or TRTC.<Group>.Event<type>)`)
  }
  return JSON.stringify(sample)
}

export function sendTrtc(input: TrtcSendInput): Promise<Response> {
  const body = input.body ?? trtcBody(input.command, input.nowMs)
  return fetch(input.url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', [TRTC_APP_HEADER]: input.sdkAppId, [TRTC_SIGN_HEADER]: computeTrtcSign(input.key, body) },
  })
}

/**
 * The key and SdkAppId a TRTC test callback needs, from --key/--sdk-app-id, else
 * $TRTC_CALLBACK_KEY, else the config (--config, or ./config.yaml when it exists): `trtc.key`
 * and the first SdkAppId the TRTC path accepts. `wanted` may be an app name of tencent.apps.
 */
export async function trtcDefaults(
  options: { key?: string; sdkAppId?: string; config?: string; env?: string },
  environ: Record<string, string | undefined> = process.env,
): Promise<{ key: string; sdkAppId: string }> {
  let key = options.key ?? environ.TRTC_CALLBACK_KEY
  let sdkAppId = options.sdkAppId && /^[0-9]+$/.test(options.sdkAppId) ? options.sdkAppId : undefined
  const path = options.config ?? (existsSync('config.yaml') ? 'config.yaml' : undefined)
  if ((!key || !sdkAppId) && path) {
    const { config } = await loadConfig({ path, environment: options.env, scope: 'store' })
    key ??= config.trtc?.key
    sdkAppId ??= options.sdkAppId ? appIdFor(appsOf(config.tencent), options.sdkAppId) : [...trtcApps(config).keys()][0]
    if (!sdkAppId && options.sdkAppId) throw new UsageError(`--sdk-app-id ${options.sdkAppId}: no such app in ${path}`)
  }
  if (!key) throw new UsageError('no TRTC callback key: pass --key K, set TRTC_CALLBACK_KEY, or give a --config with trtc.key')
  if (!sdkAppId) throw new UsageError('no SdkAppId: pass --sdk-app-id or --config FILE')
  return { key, sdkAppId }
}
