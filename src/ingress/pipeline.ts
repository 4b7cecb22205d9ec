/**
 * The callback pipeline (docs/design.md §1): size limit → query keys → SdkAppid → Sign/RequestTime
 * → lossless JSON parse → command → payload check → routes → durable store → answer.
 * Before callbacks are decided first (before.ts) and answered with the decision.
 * Every rejection is an answer with the status and FAIL body of docs/design.md §4, and nothing
 * rejected is stored or delivered. OK is answered only after the store committed.
 */
import type { ServerConfig } from '../config/schema.ts'
import type { NewEvent, DeliveryStore } from '../store/store.ts'
import { uuidv7 } from './event-id.ts'
import { dedupKey } from './dedup-key.ts'
import type { Logger } from '../log.ts'
import type { RouteTable } from '../routing/match.ts'
import { checkPayload } from '../tencent/commands.ts'
import { parseLossless } from '../tencent/lossless-json.ts'
import { exceedsDepth, MAX_JSON_DEPTH } from '../tencent/json-depth.ts'
import { readCallbackQuery } from '../tencent/query.ts'
import { decisionResponse, failResponse, okResponse, type ErrorName } from '../tencent/response.ts'
import { verifySignature } from '../tencent/signature.ts'
import { answeringErrors, isObject, MAX_LOGGED_APP_ID, refusedBeforeBody } from './guards.ts'
import { readBody } from './read-body.ts'
import type { AllowList, ProxyTrust } from './allow-list.ts'
import { createBeforeStep, type DecisionsInFlight } from './before.ts'
import type { PluginInstance, RecordedDecision } from '../plugin.ts'
import type { TrtcAuth } from './trtc.ts'

/** One accepted app (docs/design.md §3 `tencent.apps`). */
export interface AppAuth {
  /** Its name, else its SdkAppid: what metrics and logs call it. */
  label: string
  /** Tokens that verify this app's Sign; empty means Sign is not required for it. */
  tokens: readonly string[]
}

export interface TencentAuth {
  /** Accepted apps by SdkAppid (as text): the SdkAppid picks the app, its tokens check Sign. */
  apps: ReadonlyMap<string, AppAuth>
  maxClockSkewSeconds: number
}

/** What happened to one callback, for logs and metrics. */
export interface CallbackOutcome {
  /** Also the event id when the callback was stored. */
  requestId: string
  command?: string
  /**
   * The SdkAppid the request carried, accepted or not (an unknown one is what the operator
   * needs to see); cut to MAX_LOGGED_APP_ID characters, since the caller chooses it.
   */
  sdkAppId?: string
  /** The configured app's label (name, else SdkAppid); absent when the SdkAppid is not ours. */
  app?: string
  outcome: 'ok' | 'unrouted' | 'duplicate' | ErrorName
  status: number
  ms: number
  targets?: number
  skewSeconds?: number
  /** Before callbacks: the decision answered. */
  decision?: RecordedDecision
  /** The decider was still working when its budget ran out. */
  overrun?: boolean
  /** Why a decided callback was not stored (it was answered with the fallback). */
  unstored?: string
}

/** Swappable at run time (config reload) without rebuilding the app. */
export interface IngressState {
  routes: RouteTable
  auth: TencentAuth
  /** Compute dedup keys (the store enforces the window). */
  dedup: boolean
  /** Undefined: anyone may call. */
  allow?: AllowList
  /** Whose X-Forwarded-For names the caller: nobody (false), anyone (true), or these proxies. */
  trustProxy: ProxyTrust
  /** Running instances that implement decide(), by id. */
  deciders: ReadonlyMap<string, PluginInstance>
  /** The TRTC path's key and apps (ingress/trtc.ts); undefined: `trtc` is not configured. */
  trtc?: TrtcAuth
}

export interface IngressDeps {
  server: Pick<ServerConfig, 'maxBodyBytes' | 'readTimeoutMs'>
  state: IngressState
  store: DeliveryStore
  logger: Logger
  observe?: (outcome: CallbackOutcome) => void
  /** Removes secrets from stored text (a decision's failure reason). */
  scrub?: (text: string) => string
  /** Running decisions, which the gateway waits for before it closes a decider. */
  decisions?: DecisionsInFlight
}

const BODY_FAILURES = { 'too-large': 'bodyTooLarge', timeout: 'bodyTimeout', 'not-utf8': 'invalidJson', aborted: 'invalidJson' } as const

/** Whether Sign is genuine regardless of the clock (only asked once a request is already refused). */
function signMatches(sign: string, requestTime: string, tokens: readonly string[]): boolean {
  return verifySignature({ sign, requestTime, tokens, maxClockSkewSeconds: Number.MAX_SAFE_INTEGER }).ok
}

export function createCallbackHandler(deps: IngressDeps): (request: Request) => Promise<Response> {
  const { server, state, store, logger, observe } = deps
  const decideBefore = createBeforeStep({ store, deciders: () => state.deciders, scrub: deps.scrub ?? ((text) => text), inFlight: deps.decisions, logger })

  return answeringErrors(logger, 'callback pipeline', processCallback)

  async function processCallback(request: Request): Promise<Response> {
    const started = performance.now()
    const receivedAt = Date.now()
    const requestId = uuidv7(receivedAt)
    let command: string | undefined
    let sdkAppId: string | undefined
    let skewSeconds: number | undefined

    // Read first only so that every rejection's log line names the SdkAppid that arrived (and
    // the app it selects); the checks below keep their order.
    const query = readCallbackQuery(request.url)
    sdkAppId = query.sdkAppId?.slice(0, MAX_LOGGED_APP_ID)
    const { auth } = state
    const app = query.sdkAppId === undefined ? undefined : auth.apps.get(query.sdkAppId)

    const reject = (name: ErrorName, detail?: string, headers?: Record<string, string>): Response => {
      const response = failResponse(name, detail, headers)
      observe?.({ requestId, command, sdkAppId, app: app?.label, outcome: name, status: response.status, ms: performance.now() - started, skewSeconds })
      return response
    }

    // The caller's address, then a declared length over the limit, before anything is read.
    const early = refusedBeforeBody(request, state, server)
    if (early) return reject(early.name, early.detail)

    // Known this early for metrics and logs of rejections; the body may still disagree (400).
    command = query.callbackCommand
    if (!query.sdkAppId) return reject('sdkAppIdMissing')
    if (!app) return reject('sdkAppIdUnknown')
    // Only this app's tokens: a Sign made with another app's token is a mismatch.
    if (app.tokens.length > 0) {
      const check = verifySignature({
        sign: query.sign,
        requestTime: query.requestTime,
        tokens: app.tokens,
        maxClockSkewSeconds: auth.maxClockSkewSeconds,
      })
      // The skew gauge is an alert on our clock, so only Tencent may move it: a forged request
      // carries whatever RequestTime its sender likes. A genuine Sign outside the window still
      // counts, or the gauge would freeze just when every callback starts being refused.
      if (check.ok || (check.reason === 'request-time-skew' && signMatches(query.sign!, query.requestTime!, app.tokens))) {
        skewSeconds = check.skewSeconds
      }
      if (!check.ok) {
        const name = (
          {
            'sign-missing': 'signMissing',
            'sign-mismatch': 'signMismatch',
            'request-time-skew': 'requestTimeSkew',
            'request-time-invalid': 'requestTimeInvalid',
          } as const
        )[check.reason]
        return reject(name)
      }
    }

    const body = await readBody(request, server.maxBodyBytes, server.readTimeoutMs)
    if (!body.ok) {
      const name = BODY_FAILURES[body.reason]
      // A body that stalls holds a connection: close it rather than keep it alive.
      return reject(
        name,
        name === 'bodyTooLarge' ? `limit is ${server.maxBodyBytes} bytes` : undefined,
        name === 'bodyTimeout' ? { connection: 'close' } : undefined,
      )
    }
    const text = body.text.charCodeAt(0) === 0xfeff ? body.text.slice(1) : body.text

    if (exceedsDepth(text)) return reject('invalidPayload', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`)
    let payload: unknown
    try {
      payload = parseLossless(text)
    } catch {
      return reject('invalidJson')
    }
    if (!isObject(payload)) return reject('notAnObject')

    const bodyCommand = payload.CallbackCommand
    if (bodyCommand !== undefined && typeof bodyCommand !== 'string') return reject('invalidPayload', 'CallbackCommand: Expected string')
    if (query.callbackCommand && bodyCommand && query.callbackCommand !== bodyCommand) return reject('commandMismatch')
    command = query.callbackCommand || bodyCommand
    if (!command) return reject('commandMissing')
    // TRTC.* names only events whose HMAC the TRTC path verified (docs/design.md §1): Tencent
    // never sends them here, and a route matching TRTC.* must not be reachable with the Chat token.
    if (command.startsWith('TRTC.')) return reject('invalidPayload', 'TRTC events are accepted only on the TRTC path')

    const problem = checkPayload(command, payload)
    if (problem) return reject('invalidPayload', problem)

    const { targets, decision: plan } = state.routes.resolve(command, payload, query.sdkAppId)
    const event: NewEvent = {
      id: requestId,
      command,
      sdkAppId: query.sdkAppId,
      receivedAt,
      body: text,
      targets,
    }
    if (query.clientIp) event.clientIp = query.clientIp
    if (query.optPlatform) event.optPlatform = query.optPlatform
    if (state.dedup) event.dedupKey = dedupKey(command, payload, query.sdkAppId)

    if (plan) {
      const result = await decideBefore(plan, event, payload, started)
      if (result.unstored) logger.error('decided callback not stored; answered the fallback', { command, reason: result.unstored })
      const outcome: CallbackOutcome = {
        requestId,
        command,
        sdkAppId,
        app: app.label,
        outcome: result.unstored ? 'storeUnavailable' : result.outcome,
        status: 200,
        ms: performance.now() - started,
        targets: result.unstored ? 0 : targets.length,
        skewSeconds,
        decision: result.decision,
      }
      if (result.overrun) outcome.overrun = true
      if (result.unstored) outcome.unstored = result.unstored
      observe?.(outcome)
      return decisionResponse(result.answer.body)
    }

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
      app: app.label,
      outcome: result === 'duplicate' ? 'duplicate' : targets.length ? 'ok' : 'unrouted',
      status: 200,
      ms: performance.now() - started,
      targets: targets.length,
      skewSeconds,
    })
    return okResponse()
  }
}
