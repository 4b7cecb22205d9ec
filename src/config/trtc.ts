/**
 * The `trtc` section (docs/design.md §1, "The TRTC path"): which SdkAppIds the TRTC path
 * accepts, and what the schema cannot say about its path.
 *
 * TRTC callbacks carry the SdkAppId in a header. It must be one of `trtc.sdkAppId` when that
 * is set, else one of the apps of `tencent` (sdkAppId or apps): a TRTC app is usually the same
 * SDKAppID as the Chat/Live app, and one list is one thing to keep right.
 */
import { appLabel, appsOf, type AppSpec } from './apps.ts'
import type { GatewayConfig } from './schema.ts'

/** Paths the gateway serves itself, which a callback path must not shadow. */
const RESERVED_PATHS = ['/healthz', '/readyz', '/metrics']

/** Accepted SdkAppIds (as text) → the label metrics and logs give them (an app's name, else the SdkAppId). */
export function trtcApps(config: Pick<GatewayConfig, 'tencent' | 'trtc'>): Map<string, string> {
  const apps = appsOf(config.tencent)
  const own = config.trtc?.sdkAppId
  if (own === undefined) return new Map(apps.map((app) => [app.sdkAppId, appLabel(app)]))
  return new Map(
    [own].flat().map((id) => {
      const text = String(id)
      const app = apps.find((a) => a.sdkAppId === text)
      return [text, app ? appLabel(app) : text]
    }),
  )
}

/**
 * The apps a route's `app:` may name: the tencent apps, plus SdkAppIds only trtc.sdkAppId
 * accepts (TRTC-only apps have no token of the main path, so they get none here).
 */
export function routableApps(config: Pick<GatewayConfig, 'tencent' | 'trtc'>): AppSpec[] {
  const apps = appsOf(config.tencent)
  const own = config.trtc?.sdkAppId
  if (own === undefined) return apps
  const known = new Set(apps.map((app) => app.sdkAppId))
  const extra = [own]
    .flat()
    .map(String)
    .filter((id) => !known.has(id))
  return [...apps, ...[...new Set(extra)].map((sdkAppId) => ({ sdkAppId, tokens: [] }))]
}

/** Problems with `trtc` beyond its schema, each with its path. */
export function trtcProblems(config: Partial<Pick<GatewayConfig, 'server' | 'trtc'>>): string[] {
  const trtc = config.trtc
  if (!trtc || typeof trtc.path !== 'string') return []
  const normalise = (path: string) => path.replace(/\/+$/, '') || '/'
  const problems: string[] = []
  const serverPath = typeof config.server?.path === 'string' ? config.server.path : undefined
  if (serverPath !== undefined && normalise(serverPath) === normalise(trtc.path))
    problems.push(`trtc.path: "${trtc.path}" is also server.path; TRTC callbacks need a path of their own (default /trtc)`)
  if (RESERVED_PATHS.includes(normalise(trtc.path))) problems.push(`trtc.path: "${trtc.path}" is served by the gateway itself (${RESERVED_PATHS.join(', ')})`)
  return problems
}
