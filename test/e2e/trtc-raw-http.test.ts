/**
 * The TRTC path (checked in the review of issue 14) through a real gateway process (Bun), raw HTTP/1.1 so a body can be
 * chunked and split across reads, with a BOM; and the config's path rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.ts'
import { computeTrtcSign } from '../../src/tencent/trtc.ts'
import { trtcSample } from '../../src/tencent/trtc-schemas.ts'
import { tempDir, until } from '../helpers/gateway.ts'
import { type ServerProcess } from '../helpers/process.ts'
import { startTrtcGateway, type TrtcGateway } from '../helpers/trtc.ts'
import { parseResponses } from '../helpers/raw-http.ts'

const KEY = 'ReviewTrtcKey77'
const APP = '1400000321'
let server: ServerProcess
let logged: TrtcGateway['logged']

/** Writes `parts` with pauses between them; resolves with what the server sent once it answered or closed. */
function exchange(parts: Array<string | Uint8Array>, pauseMs = 30): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1')
    let raw = ''
    socket.on('data', (d) => {
      raw += d.toString('utf8')
      if (parseResponses(raw).length) socket.end()
    })
    socket.on('close', () => resolve(raw))
    socket.on('error', () => resolve(raw))
    socket.on('connect', async () => {
      for (const part of parts) {
        socket.write(part)
        await new Promise((r) => setTimeout(r, pauseMs))
      }
    })
  })
}

beforeAll(async () => {
  ;({ server, logged } = await startTrtcGateway({ key: KEY, app: APP, server: ', maxBodyBytes: 4096' }))
})
afterAll(async () => {
  server.kill('SIGTERM')
  await server.exited
})

describe('TRTC over raw HTTP', () => {
  it('a chunked body with a BOM, split across reads, is verified over its exact bytes, stored and delivered', async () => {
    const sample = trtcSample('TRTC.Media.StartVideo', Date.now())!
    ;(sample.EventInfo as Record<string, unknown>).UserId = 'chunked-user'
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(sample))])
    const sign = computeTrtcSign(KEY, bytes)
    const head = `POST /trtc HTTP/1.1\r\nHost: 127.0.0.1\r\nsdkappid: ${APP}\r\nSIGN: ${sign}\r\nTransfer-Encoding: chunked\r\n\r\n`
    // Split inside the BOM and mid-body.
    const cuts = [2, 40, bytes.length]
    const parts: Array<string | Uint8Array> = [head]
    let at = 0
    for (const cut of cuts) {
      const piece = bytes.subarray(at, cut)
      parts.push(`${piece.length.toString(16)}\r\n`, piece, '\r\n')
      at = cut
    }
    parts.push('0\r\n\r\n')
    const raw = await exchange(parts)
    const [response] = parseResponses(raw)
    expect({ status: response?.status, body: response?.body }).toEqual({ status: 200, body: '{"code":0}' })
    const lines = await until(() => logged().filter((l) => l.payload?.EventInfo?.UserId === 'chunked-user').length === 1 && logged(), 5000, 'the line')
    expect(lines.find((l) => l.payload?.EventInfo?.UserId === 'chunked-user').command).toBe('TRTC.Media.StartVideo')
  })

  it('a chunked body over maxBodyBytes is 413 JSON, and a GET is 405', async () => {
    const big = 'x'.repeat(3000)
    const head = `POST /trtc HTTP/1.1\r\nHost: 127.0.0.1\r\nSdkAppId: ${APP}\r\nSign: AAAA\r\nTransfer-Encoding: chunked\r\n\r\n`
    const raw = await exchange([head, `${big.length.toString(16)}\r\n${big}\r\n`, `${big.length.toString(16)}\r\n${big}\r\n`, '0\r\n\r\n'])
    const [response] = parseResponses(raw)
    expect(response?.status).toBe(413)
    expect(JSON.parse(response!.body).ActionStatus).toBe('FAIL')
    const get = await fetch(`http://127.0.0.1:${server.port}/trtc`)
    expect(get.status).toBe(405)
  })
})

describe('trtc.path against the paths the gateway serves', () => {
  async function problems(yaml: string): Promise<string> {
    const d = tempDir('review14-cfg-')
    writeFileSync(join(d, 'config.yaml'), yaml)
    try {
      await loadConfig({ path: join(d, 'config.yaml'), env: {} })
      return 'ok'
    } catch (error) {
      return String(error)
    }
  }
  it('refuses server.path /trtc with trtc.path left at its default /trtc', async () => {
    expect(await problems(`server: { path: /trtc }\ntencent: { sdkAppId: 1 }\ntrtc: { key: k1234 }\n`)).toContain('trtc.path')
  })
})
