/** Runs the real CLI as a child process (bun or deno), for exit-code, crash and signal tests. */
import { join } from 'node:path'
import { REPO } from './gateway.ts'

export const BUN = process.execPath
export const DENO = join(REPO, 'node_modules/.bin/deno')
export const MAIN = join(REPO, 'src/main.ts')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** `cwd` defaults to the repository, whose config.yaml is then the commands' default config. */
export async function runCli(args: string[], env: Record<string, string> = {}, { cwd = REPO }: { cwd?: string } = {}): Promise<CliResult> {
  const child = Bun.spawn([BUN, MAIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  return { code, stdout, stderr }
}

export interface ServerProcess {
  port: number
  /** The gateway process itself (spawned directly, no shell in between). */
  pid: number
  url: string
  output: () => string
  kill(signal?: NodeJS.Signals): void
  exited: Promise<number>
}

/** Starts `serve` and resolves once it logs that it listens (port 0 allowed). */
export async function startServer(
  configPath: string,
  { runtime = 'bun', env = {} }: { runtime?: 'bun' | 'deno'; env?: Record<string, string> } = {},
): Promise<ServerProcess> {
  const cmd = runtime === 'bun' ? [BUN, MAIN, '--config', configPath] : [DENO, 'run', '-A', MAIN, '--config', configPath]
  const child = Bun.spawn(cmd, { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, stdout: 'pipe', stderr: 'pipe' })
  let out = ''
  const decoder = new TextDecoder()
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000)
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      const reader = stream.getReader()
      for (;;) {
        const { done, value: chunk } = await reader.read()
        if (done) return
        out += decoder.decode(chunk)
        const match = /"msg":"listening".*?"url":"http:\/\/[^:]+:(\d+)/.exec(out)
        if (match) {
          clearTimeout(timer)
          resolve(Number(match[1]))
        }
      }
    }
    void pump(child.stdout)
    void pump(child.stderr)
    void child.exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${out}`)))
  })
  return {
    port,
    pid: child.pid,
    url: `http://127.0.0.1:${port}/callback`,
    output: () => out,
    kill: (signal = 'SIGTERM') => child.kill(signal),
    exited: child.exited,
  }
}
