/**
 * createGateway(): the Elysia app. It never listens itself (src/runtime/ does), so tests
 * drive it with `app.handle(new Request(...))` and both runtimes serve the same app.
 */
import { Elysia } from 'elysia'
import { failResponse } from '../tencent/response.ts'
import { createCallbackHandler, type IngressDeps } from './pipeline.ts'
import { createTrtcHandler } from './trtc.ts'

/** What GET /metrics serves (gateway/metrics.ts implements it). */
export interface MetricsEndpoint {
  render(): Promise<string>
  contentType: string
}

export interface GatewayDeps extends IngressDeps {
  /** The callback path, e.g. `/callback`. */
  path: string
  /** The TRTC callback path (docs/design.md §1, "The TRTC path"), when `trtc` is configured. */
  trtcPath?: string
  /** True once the store is open and plugins are set up, false again while shutting down. */
  isReady: () => boolean
  metrics?: MetricsEndpoint
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' }

export function createGateway(deps: GatewayDeps) {
  const handleCallback = createCallbackHandler(deps)
  const handleTrtc = createTrtcHandler(deps)

  const app = new Elysia()
  if (deps.trtcPath) {
    app
      .post(
        deps.trtcPath,
        function trtcCallback({ request }) {
          return handleTrtc(request)
        },
        { parse: 'none' },
      )
      .all(deps.trtcPath, function trtcMethodNotAllowed() {
        return failResponse('methodNotAllowed', undefined, { allow: 'POST' })
      })
  }

  return (
    app
      // The body is read by the pipeline itself, with its size limit and deadline.
      .post(
        deps.path,
        function callback({ request }) {
          return handleCallback(request)
        },
        { parse: 'none' },
      )
      .all(deps.path, function methodNotAllowed() {
        return failResponse('methodNotAllowed', undefined, { allow: 'POST' })
      })
      .get('/healthz', function healthz() {
        return new Response('{"status":"ok"}', { headers: JSON_HEADERS })
      })
      .get('/readyz', function readyz() {
        const ready = deps.isReady()
        return new Response(JSON.stringify({ status: ready ? 'ready' : 'not ready' }), {
          status: ready ? 200 : 503,
          headers: JSON_HEADERS,
        })
      })
      .get('/metrics', async function metrics() {
        if (!deps.metrics) return new Response('{"error":"not found"}', { status: 404, headers: JSON_HEADERS })
        return new Response(await deps.metrics.render(), { headers: { 'content-type': deps.metrics.contentType } })
      })
      .onError(function answerError({ code, error }) {
        if (code === 'NOT_FOUND') return new Response('{"error":"not found"}', { status: 404, headers: JSON_HEADERS })
        // Unexpected: log with context, answer generically (never leak internals).
        deps.logger.error('unhandled error', { error })
        return failResponse('internal')
      })
  )
}

export type Gateway = ReturnType<typeof createGateway>
