/**
 * Builds a real gateway (real SQLite file, real plugins) from a YAML config written to a
 * temp folder, for tests that drive it with `app.handle(...)`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { buildGateway, type BuiltGateway } from '../../src/gateway/build.ts'
import { loadConfig } from '../../src/config/load.ts'

export const REPO = resolve(import.meta.dir, '../..')
export const RECORDING_PLUGIN = join(REPO, 'test/fixtures/recording-plugin.ts')
export const APP_ID = '1400000000'
export const DESTROY = 'Live.CallbackAfterDestroyRoom'

/** The seed page's sample, with its `//` comment (and the missing comma it hid) fixed. */
export const SEED_BODY = `{
"CallbackCommand":"Live.CallbackAfterDestroyRoom",
"Operator_Account":"admin",
"RoomId":"tandy-test-rest",
"EventType":"DestroyByUser",
"EventTime":1703589922780
}`

export interface TestGateway extends BuiltGateway {
  dir: string
  logs: string[]
  post(query: string, body?: BodyInit | null, init?: RequestInit): Promise<Response>
}

export function tempDir(prefix = 'gateway-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export async function makeGateway(yaml: string, options: { env?: Record<string, string>; environment?: string; dir?: string } = {}): Promise<TestGateway> {
  const dir = options.dir ?? tempDir()
  const path = join(dir, 'config.yaml')
  writeFileSync(path, yaml)
  const loaded = await loadConfig({ path, environment: options.environment, env: options.env ?? {} })
  const logs: string[] = []
  const built = await buildGateway(loaded, { write: (line) => logs.push(line), heartbeatMs: 200 })
  return Object.assign(built, {
    dir,
    logs,
    post(query: string, body: BodyInit | null = SEED_BODY, init: RequestInit = {}) {
      return built.app.handle(new Request(`http://localhost${loaded.config.server.path}?${query}`, { method: 'POST', body, ...init }))
    },
  })
}

/** The query Tencent sends for the destroy-room callback. */
export function tencentQuery(extra: Record<string, string> = {}, appId = APP_ID): string {
  return new URLSearchParams({
    SdkAppid: appId,
    CallbackCommand: DESTROY,
    contenttype: 'json',
    ClientIP: '127.0.0.1',
    OptPlatform: 'RESTAPI',
    ...extra,
  }).toString()
}

/** Minimal config with one recording plugin instance per id, all routed from every command. */
export function recordingConfig({
  ids = ['rec'],
  extra = '',
  tencent = '',
  options = '{}',
  retry = '{ maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 50 }',
  store = 'store:\n  path: ./data/gateway.db',
}: { ids?: string[]; extra?: string; tencent?: string; options?: string; retry?: string; store?: string } = {}): string {
  return `
tencent:
  sdkAppId: ${APP_ID}
${tencent}
${store}
plugins:
${ids.map((id) => `  ${id}:\n    use: ${RECORDING_PLUGIN}\n    options: ${options}\n    retry: ${retry}`).join('\n')}
routes:
  - match: "*"
    to: [${ids.join(', ')}]
${extra}`
}

/**
 * Writes a config for a real gateway process: one http-sync instance `crm` posting to
 * `sinkUrl`, with every command routed to it. Returns the config file's path.
 */
export function writeSyncConfig(
  dir: string,
  sinkUrl: string,
  {
    name = 'config.yaml',
    store = './data/gateway.db',
    concurrency = 4,
    retry = '{ maxAttempts: 50, initialDelayMs: 20, maxDelayMs: 200 }',
  }: { name?: string; store?: string; concurrency?: number; retry?: string } = {},
): string {
  const path = join(dir, name)
  writeFileSync(
    path,
    `server: { port: 0, hostname: 127.0.0.1 }
tencent: { sdkAppId: ${APP_ID} }
store: { path: ${store} }
plugins:
  crm:
    use: http-sync
    options: { url: "${sinkUrl}/sync" }
    concurrency: ${concurrency}
    retry: ${retry}
routes: [{ match: "*", to: [crm] }]
`,
  )
  return path
}

export async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
