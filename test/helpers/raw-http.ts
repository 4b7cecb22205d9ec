/**
 * Raw HTTP/1.1 over node:net against a real gateway process, for what fetch() cannot send
 * (a short or empty Host, pipelining, smuggling shapes, bare LF) or cannot observe (the
 * runtime's own answers, whether the connection stays open).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { tempDir, until } from './gateway.ts'
import { startServer, type ServerProcess } from './process.ts'

export const CALLBACK_PATH = '/callback?SdkAppid=1400000000&CallbackCommand=Live.CallbackAfterDestroyRoom'

export function destroyBody(roomId: string): string {
  return `{"CallbackCommand":"Live.CallbackAfterDestroyRoom","RoomId":"${roomId}","EventType":"DestroyByUser","EventTime":1703589922780}`
}

/** A complete POST /callback with a Content-Length body. */
export function postCallback(roomId: string, { host = '127.0.0.1', extra = '' }: { host?: string | null; extra?: string } = {}): string {
  const body = destroyBody(roomId)
  return `POST ${CALLBACK_PATH} HTTP/1.1\r\n${host === null ? '' : `Host: ${host}\r\n`}Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`
}

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export interface Exchange {
  /** Every byte the server sent. */
  raw: string
  /** The complete responses in `raw`, in order. */
  responses: RawResponse[]
  /** The server closed the connection (or reset it). */
  closed: boolean
  /** A socket error seen on the client side, e.g. EPIPE when the server stopped reading. */
  error?: string
}

/** Splits a byte stream into responses framed by Content-Length (the gateway's and the runtimes' own). */
export function parseResponses(raw: string): RawResponse[] {
  const responses: RawResponse[] = []
  let at = 0
  for (;;) {
    const end = raw.indexOf('\r\n\r\n', at)
    if (end === -1) return responses
    const [statusLine = '', ...lines] = raw.slice(at, end).split('\r\n')
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const length = Number(headers['content-length'] ?? 0)
    if (raw.length < end + 4 + length) return responses
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: raw.slice(end + 4, end + 4 + length) })
    at = end + 4 + length
  }
}

/**
 * Writes `parts` in order (each after the previous one was handed to the kernel) and
 * collects the answer until the server closes, `expect` responses are complete, or
 * `waitMs` passes (only a bound on the wait: no test asserts how long anything took).
 */
export function exchange(
  port: number,
  parts: (string | Uint8Array)[],
  { expect = Infinity, waitMs = 5000 }: { expect?: number; waitMs?: number } = {},
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let raw = ''
    let error: string | undefined
    let done = false
    const finish = (closed: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ raw, responses: parseResponses(raw), closed, error })
    }
    const timer = setTimeout(() => finish(false), waitMs)
    socket.on('data', (chunk) => {
      raw += chunk.toString('latin1')
      if (parseResponses(raw).length >= expect) finish(false)
    })
    socket.on('error', (e) => (error = (e as NodeJS.ErrnoException).code ?? e.message))
    socket.on('close', () => finish(true))
    socket.on('connect', () => {
      const next = (i: number) => {
        if (i < parts.length && !socket.destroyed) socket.write(parts[i]!, () => next(i + 1))
      }
      next(0)
    })
  })
}

export interface RawGateway {
  server: ServerProcess
  port: number
  /** The RoomIds the file-logger plugin has written so far (every stored callback is delivered there). */
  delivered(): string[]
  /** Waits until `roomId` was delivered: proof that everything sent before it was handled. */
  waitDelivered(roomId: string): Promise<void>
  /** The `callback` log lines (one per answered callback), as parsed JSON. */
  callbackLogs(): Record<string, unknown>[]
  stop(): Promise<void>
}

/** A real gateway (CLI child process) on 127.0.0.1:0 that logs every callback to a file. */
export async function startRawGateway(runtime: 'bun' | 'deno', server = ''): Promise<RawGateway> {
  const dir = tempDir('raw-http-')
  const path = join(dir, 'config.yaml')
  const lines = join(dir, 'logs/callbacks.jsonl')
  writeFileSync(
    path,
    `server: { port: 0, hostname: 127.0.0.1${server ? `, ${server}` : ''} }
tencent: { sdkAppId: 1400000000 }
store: { path: ./data/gateway.db }
dedupWindowSeconds: 0
plugins:
  log: { use: file-logger, options: { path: ./logs/callbacks.jsonl, fsync: false } }
routes:
  - { match: "*", to: [log] }
`,
  )
  const proc = await startServer(path, { runtime })
  const delivered = () =>
    existsSync(lines)
      ? readFileSync(lines, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => String((JSON.parse(line) as { payload: { RoomId: unknown } }).payload.RoomId))
      : []
  return {
    server: proc,
    port: proc.port,
    delivered,
    async waitDelivered(roomId) {
      await until(() => delivered().includes(roomId), 10_000, `${roomId} delivered`)
    },
    callbackLogs: () =>
      proc
        .output()
        .split('\n')
        .filter((line) => line.includes('"msg":"callback"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    async stop() {
      proc.kill('SIGTERM')
      await proc.exited
    },
  }
}

export const RUNTIMES = ['bun', 'deno'] as const
