/**
 * A gateway process for S8 that keeps the time its log lines give each callback (`"ms"` of
 * `"msg":"callback"`: from reading the request to the answer), so the latency the generator sees
 * can be split into the gateway's own part and the rest (late sends, the request waiting to be
 * read, the answer on its way back).
 */
import { REPO, type Child } from './lib.ts'

const LISTENING = /"url":"http:\/\/[^:]+:(\d+)/
const CALLBACK_MS = /"msg":"callback".*?"ms":([\d.]+)/

export interface LoggedGateway {
  child: Child
  port: number
  /** The `ms` of every callback logged so far. */
  callbackMs: () => number[]
}

export async function spawnLoggedGateway(config: string): Promise<LoggedGateway> {
  const child = Bun.spawn([process.execPath, 'src/main.ts', '--config', config], { cwd: REPO, stdout: 'pipe', stderr: 'inherit', env: { ...process.env } })
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  const ms: number[] = []
  let seen = ''
  let pending = ''
  let listened: (port: number) => void = () => {}
  const port = new Promise<number>((resolve) => (listened = resolve))
  let found = false
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      pending += decoder.decode(value, { stream: true })
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl)
        pending = pending.slice(nl + 1)
        const timed = CALLBACK_MS.exec(line)
        if (timed) ms.push(Number(timed[1]))
        else if (!found) {
          seen += `${line}\n`
          const match = LISTENING.exec(line)
          if (match) {
            found = true
            clearTimeout(timer)
            listened(Number(match[1]))
          }
        }
      }
    }
  })()
  // Rejects only when the gateway never listened: a later exit (the stop) is not an error.
  const exited = reading.then((): number => {
    if (!found) throw new Error(`the gateway exited before it listened:\n${seen}`)
    return 0
  })
  return { child, port: await Promise.race([port, exited]), callbackMs: () => ms }
}
