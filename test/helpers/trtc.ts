/**
 * A real gateway process with the TRTC path on, routing `TRTC.*` to a file logger, for the
 * TRTC end-to-end tests; `logged()` reads back what the logger wrote.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './gateway.ts'
import { startServer, type ServerProcess } from './process.ts'

export interface TrtcGateway {
  server: ServerProcess
  dir: string
  configPath: string
  /** The file logger's lines, parsed. */
  logged(): any[]
}

export async function startTrtcGateway({
  key,
  app,
  server = '',
  env = {},
}: {
  key: string
  app: string
  /** Extra `server:` keys, e.g. `, maxBodyBytes: 4096`. */
  server?: string
  env?: Record<string, string>
}): Promise<TrtcGateway> {
  const dir = tempDir('trtc-e2e-')
  const configPath = join(dir, 'config.yaml')
  writeFileSync(
    configPath,
    `server: { port: 0, hostname: 127.0.0.1${server} }
tencent: { sdkAppId: ${app} }
trtc:
  key: \${TRTC_CALLBACK_KEY}
store: { path: ./data/gateway.db }
plugins:
  trtc-log:
    use: file-logger
    options: { path: ./logs/trtc.jsonl }
routes:
  - match: "TRTC.*"
    to: [trtc-log]
`,
  )
  const started = await startServer(configPath, { env: { TRTC_CALLBACK_KEY: key, ...env } })
  const logFile = join(dir, 'logs', 'trtc.jsonl')
  const logged = () =>
    existsSync(logFile)
      ? readFileSync(logFile, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line))
      : []
  return { server: started, dir, configPath, logged }
}
