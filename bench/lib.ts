/** Shared pieces of the benchmarks: child processes with a port, signed queries, the load generator. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { computeSign } from '../src/tencent/signature.ts'

export const REPO = fileURLToPath(new URL('..', import.meta.url))
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64)
export const TOKEN = 'bench-token'
export const BODY =
  '{"CallbackCommand":"Live.CallbackAfterDestroyRoom","Operator_Account":"admin","RoomId":"room-[<id>]","EventType":"DestroyByUser","EventTime":1703589922780}'

export type Child = ReturnType<typeof Bun.spawn>

/** Starts `cmd` and resolves with the port its output names. `env` is added to this process's environment. */
export async function spawnWithPort(cmd: string[], pattern: RegExp, env: Record<string, string> = {}): Promise<{ child: Child; port: number }> {
  // Explicit env: Bun.spawn's default is the environment the process started with, not process.env now.
  const child = Bun.spawn(cmd, { cwd: REPO, stdout: 'pipe', stderr: 'inherit', env: { ...process.env, ...env } })
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader()
  let text = ''
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  for (;;) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`${cmd.join(' ')} exited before it listened:\n${text}`)
    text += new TextDecoder().decode(value)
    const match = pattern.exec(text)
    if (match) {
      clearTimeout(timer)
      // Keep draining stdout so the child never blocks on a full pipe.
      void (async () => {
        while (!(await reader.read()).done) {}
      })()
      return { child, port: Number(match[1]) }
    }
  }
}

export function signedQuery(): string {
  const requestTime = String(Math.floor(Date.now() / 1000))
  return new URLSearchParams({
    SdkAppid: '1400000000',
    CallbackCommand: 'Live.CallbackAfterDestroyRoom',
    contenttype: 'json',
    ClientIP: '127.0.0.1',
    OptPlatform: 'RESTAPI',
    Sign: computeSign(TOKEN, requestTime),
    RequestTime: requestTime,
  }).toString()
}

export interface Load {
  rps: number
  p50: number
  p99: number
  total: number
  non2xx: number
  errors: number
}

export async function load(port: number, options: { amount?: number; connections?: number; idPrefix?: string } = {}): Promise<Load> {
  // idPrefix keeps RoomIds distinct between loaders that run at the same time (dedup would merge them).
  const body = options.idPrefix ? BODY.replace('room-[<id>]', `room-${options.idPrefix}-[<id>]`) : BODY
  const args = JSON.stringify({
    url: `http://127.0.0.1:${port}/callback?${signedQuery()}`,
    body,
    seconds: SECONDS,
    connections: options.connections ?? CONNECTIONS,
    amount: options.amount,
  })
  const child = Bun.spawn(['node', join(REPO, 'bench/load.cjs'), args], { cwd: REPO, stdout: 'pipe', stderr: 'inherit' })
  const out = await new Response(child.stdout).text()
  if ((await child.exited) !== 0) throw new Error('load generator failed')
  return JSON.parse(out.trim().split('\n').pop()!)
}

export async function stop(child: Child, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  child.kill(signal)
  await child.exited
}

/** Writes a gateway config (listening on 127.0.0.1, any port, signed, SQLite with sync full unless `store` says otherwise) to a temp folder; returns its path. */
export function writeGatewayConfig(pluginsAndRoutes: string, store = 'store: { path: ./data/gateway.db, sync: full }'): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'))
  const path = join(dir, 'config.yaml')
  writeFileSync(
    path,
    `server: { hostname: 127.0.0.1, port: 0 }
tencent: { sdkAppId: 1400000000, token: ${TOKEN} }
${store}
${pluginsAndRoutes}`,
  )
  return path
}

/** The S1 setup: file-logger and http-sync (to the receiver on `receiverPort`), both routed unless `routes` says otherwise. */
export function s1Config(receiverPort: number, routes = '[{ match: Live.CallbackAfterDestroyRoom, to: [audit-log, crm] }]', store?: string): string {
  return writeGatewayConfig(
    `plugins:
  audit-log: { use: file-logger, options: { path: ./logs/callbacks.jsonl } }
  crm: { use: http-sync, options: { url: "http://127.0.0.1:${receiverPort}/sync", timeoutMs: 30000 } }
routes: ${routes}
`,
    store,
  )
}
