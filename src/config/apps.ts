/**
 * The app table (docs/design.md §3 `tencent.apps`): which SdkAppids the gateway accepts and
 * which tokens verify each one's Sign. Two config forms give one table:
 * - `apps: [{ name, sdkAppId, token, tokens }]`: each app with its own tokens and a name;
 * - `sdkAppId` (one or a list) with `token`/`tokens`: one token set for every listed app,
 *   and no names (the SdkAppid stands in where a name is needed: metrics, logs).
 */
import { didYouMean } from '../suggest.ts'
import type { TencentConfig } from './schema.ts'

export interface AppSpec {
  /** The app's name in `tencent.apps`; absent in the single-token form. */
  name?: string
  /** The SdkAppid, as text (the query carries text). */
  sdkAppId: string
  /** Tokens that verify this app's Sign; none: Sign is not required for it. */
  tokens: string[]
}

/** The metrics label of a callback whose SdkAppid is missing or not ours. */
export const UNKNOWN_APP = 'unknown'

/** How metrics and logs name an app: its name, else its SdkAppid. */
export const appLabel = (app: AppSpec): string => app.name ?? app.sdkAppId

const nonEmpty = (tokens: Array<string | undefined>): string[] => tokens.filter((token): token is string => typeof token === 'string' && token !== '')

/** The table for a validated `tencent` section, in config order. */
export function appsOf(tencent: TencentConfig): AppSpec[] {
  if (tencent.apps) {
    return tencent.apps.map((app) => ({ name: app.name, sdkAppId: String(app.sdkAppId), tokens: nonEmpty([app.token, ...(app.tokens ?? [])]) }))
  }
  const tokens = nonEmpty([tencent.token, ...(tencent.tokens ?? [])])
  const ids = tencent.sdkAppId === undefined ? [] : [tencent.sdkAppId].flat()
  return ids.map((id) => ({ sdkAppId: String(id), tokens }))
}

/** Every token of the table, for log redaction. */
export function appTokens(apps: readonly AppSpec[]): string[] {
  return [...new Set(apps.flatMap((app) => app.tokens))]
}

/** The SdkAppid a route's `app:` entry stands for: an app's name, else an SdkAppid of the table. */
export function appIdFor(apps: readonly AppSpec[], ref: string | number): string | undefined {
  const text = String(ref)
  return apps.find((app) => app.name === text)?.sdkAppId ?? apps.find((app) => app.sdkAppId === text)?.sdkAppId
}

/** Problems with a route's `app:` (path `routes[i].app`), each naming the unknown entry. */
export function routeAppProblems(path: string, value: unknown, apps: readonly AppSpec[]): string[] {
  const refs = Array.isArray(value) ? value : [value]
  const known = apps.flatMap((app) => (app.name ? [app.name, app.sdkAppId] : [app.sdkAppId]))
  const names = apps.flatMap((app) => app.name ?? [])
  return refs.flatMap((ref, j) => {
    if ((typeof ref !== 'string' && typeof ref !== 'number') || appIdFor(apps, ref) !== undefined) return []
    const at = Array.isArray(value) ? `${path}[${j}]` : path
    // A misspelt name has a neighbour; one SdkAppid next to another says nothing.
    const hint = /^[0-9]+$/.test(String(ref)) ? '' : didYouMean(String(ref), names)
    return [`${at}: unknown app "${ref}"${hint} (known: ${known.join(', ') || 'none'})`]
  })
}

const SINGLE_FORM_KEYS = ['sdkAppId', 'token', 'tokens'] as const

/**
 * What the schema cannot say about `tencent`: one form or the other, never both or neither,
 * and no app name or SdkAppid twice. `written` are the keys the file set (before defaults:
 * `token` has one). Nothing when `tencent` is missing altogether: the schema says so.
 */
export function tencentProblems(written: readonly string[] | undefined, tencent: TencentConfig | undefined): string[] {
  if (!written || !tencent) return []
  const single = SINGLE_FORM_KEYS.filter((key) => written.includes(key))
  if (written.includes('apps') && single.length) {
    return [
      `tencent: use either tencent.apps (each app with its own token) or tencent.sdkAppId with token/tokens (one token for all), not both; found apps and ${single.join(', ')}`,
    ]
  }
  if (!written.includes('apps') && !written.includes('sdkAppId')) {
    return ['tencent: set tencent.sdkAppId (with token) or tencent.apps (several apps, each with its own token)']
  }
  if (!Array.isArray(tencent.apps)) return []
  const problems: string[] = []
  tencent.apps.forEach((app, i) => {
    if (app?.name === UNKNOWN_APP)
      problems.push(`tencent.apps[${i}].name: "${UNKNOWN_APP}" is reserved (metrics label callbacks of SdkAppids that are not ours with it)`)
  })
  for (const key of ['name', 'sdkAppId'] as const) {
    const first = new Map<string, number>()
    tencent.apps.forEach((app, i) => {
      const value = app?.[key]
      if (value === undefined) return
      const seen = first.get(String(value))
      if (seen === undefined) first.set(String(value), i)
      else problems.push(`tencent.apps[${i}].${key}: "${value}" is already used by tencent.apps[${seen}].${key}`)
    })
  }
  return problems
}
