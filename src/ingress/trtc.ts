/**
 * The TRTC path (docs/design.md §1, "The TRTC path"): `POST <trtc.path>` with the app in the
 * `SdkAppId` header and `Sign = base64(HMAC-SHA256(key, raw body))` (tencent/trtc.ts).
 * Checks, in order: caller address, declared size, SdkAppId, Sign present, body read once as
 * bytes (size limit, deadline), HMAC over those bytes, UTF-8, lossless JSON, envelope and
 * EventInfo schemas. Then the event is routed as `TRTC.<Group>.<Type>`, stored with its
 * deliveries and only then answered 200 `{"code":0}`. Rejections have the main path's FAIL
 * body and codes (tencent/response.ts). No Before semantics: Tencent ignores the answer.
 */
import type { NewEvent } from '../store/store.ts'
import { uuidv7 } from './event-id.ts'
import { dedupKey } from './dedup-key.ts'
import { parseLossless } from '../tencent/lossless-json.ts'
import { exceedsDepth, MAX_JSON_DEPTH } from '../tencent/json-depth.ts'
import { failResponse, type ErrorName } from '../tencent/response.ts'
import { TRTC_APP_HEADER, TRTC_OK_BODY, TRTC_SIGN_HEADER, trtcCommand, verifyTrtcSign } from '../tencent/trtc.ts'
import { checkTrtcEnvelope, checkTrtcInfo } from '../tencent/trtc-schemas.ts'
import { answeringErrors, isObject, MAX_LOGGED_APP_ID, refusedBeforeBody } from './guards.ts'
import { decodeBody, readRawBody } from './read-body.ts'
import type { IngressDeps } from './pipeline.ts'

/** What the TRTC path checks against; swapped on reload with the rest of the ingress state. */
export interface TrtcAuth {
  /** The TRTC console's callback key. */
  key: string
  /** Accepted SdkAppIds (as text) → their label for metrics and logs (config/trtc.ts). */
  apps: ReadonlyMap<string, string>
}

const BODY_FAILURES = { 'too-large': 'bodyTooLarge', timeout: 'bodyTimeout', aborted: 'invalidJson' } as const

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' }

export function createTrtcHandler(deps: IngressDeps): (request: Request) => Promise<Response> {
  const { server, state, store, logger, observe } = deps

  return answeringErrors(logger, 'TRTC callback path', processTrtc)

  async function processTrtc(request: Request): Promise<Response> {
    const started = performance.now()
    const receivedAt = Date.now()
    const requestId = uuidv7(receivedAt)
    const { trtc } = state
    // Served only while `trtc` is configured: a reload that removed it closes the path.
    if (!trtc) return new Response('{"error":"not found"}', { status: 404, headers: JSON_HEADERS })
    let command: string | undefined
    const appId = request.headers.get(TRTC_APP_HEADER)?.trim() || undefined
    const sdkAppId = appId?.slice(0, MAX_LOGGED_APP_ID)
    const app = appId === undefined ? undefined : trtc.apps.get(appId)

    const reject = (name: ErrorName, detail?: string, headers?: Record<string, string>): Response => {
      const response = failResponse(name, detail, headers)
      observe?.({ requestId, command, sdkAppId, app, outcome: name, status: response.status, ms: performance.now() - started })
      return response
    }

    // The caller's address, then a declared length over the limit, before anything is read.
    const early = refusedBeforeBody(request, state, server)
    if (early) return reject(early.name, early.detail)
    if (!appId) return reject('trtcSdkAppIdMissing')
    if (!app) return reject('sdkAppIdUnknown')
    const sign = request.headers.get(TRTC_SIGN_HEADER)
    if (!sign) return reject('trtcSignMissing')

    // Read once, as bytes: the HMAC is over exactly what arrived.
    const raw = await readRawBody(request, server.maxBodyBytes, server.readTimeoutMs)
    if (!raw.ok) {
      const name = BODY_FAILURES[raw.reason]
      return reject(
        name,
        name === 'bodyTooLarge' ? `limit is ${server.maxBodyBytes} bytes` : undefined,
        name === 'bodyTimeout' ? { connection: 'close' } : undefined,
      )
    }
    // Nothing of an unverified body is parsed.
    if (!verifyTrtcSign(trtc.key, raw.bytes, sign)) return reject('trtcSignMismatch')

    const decoded = decodeBody(raw.bytes)
    if (!decoded.ok) return reject('invalidJson')
    const text = decoded.text.charCodeAt(0) === 0xfeff ? decoded.text.slice(1) : decoded.text
    if (exceedsDepth(text)) return reject('invalidPayload', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`)
    let payload: unknown
    try {
      payload = parseLossless(text)
    } catch {
      return reject('invalidJson')
    }
    if (!isObject(payload)) return reject('notAnObject')
    const envelopeProblem = checkTrtcEnvelope(payload)
    if (envelopeProblem) return reject('invalidPayload', envelopeProblem)
    command = trtcCommand(payload.EventGroupId as number, payload.EventType as number)
    const infoProblem = checkTrtcInfo(command, payload.EventInfo)
    if (infoProblem) return reject('invalidPayload', infoProblem)

    // TRTC commands are never Before commands: resolve() gives targets only.
    const { targets } = state.routes.resolve(command, payload, appId)
    const event: NewEvent = { id: requestId, command, sdkAppId: appId, receivedAt, body: text, targets }
    // CallbackTs is when Tencent sent this attempt, so a retry carries a new one: the key is the
    // command (group and type) with EventInfo, which holds the event's own times and ids.
    // Its own key space ('trtc:'): nothing sent to the main path can pose as a TRTC event's first copy.
    if (state.dedup) event.dedupKey = dedupKey(command, payload.EventInfo, `trtc:${appId}`)

    let result
    try {
      result = await store.append(event)
    } catch (error) {
      logger.error('callback not stored; answered 503', { command, error })
      return reject('storeUnavailable')
    }
    observe?.({
      requestId,
      command,
      sdkAppId,
      app,
      outcome: result === 'duplicate' ? 'duplicate' : targets.length ? 'ok' : 'unrouted',
      status: 200,
      ms: performance.now() - started,
      targets: targets.length,
    })
    return new Response(TRTC_OK_BODY, { status: 200, headers: JSON_HEADERS })
  }
}
