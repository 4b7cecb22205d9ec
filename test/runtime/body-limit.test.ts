/**
 * Oversized bodies on a real gateway process, both runtimes: every one gets the gateway's
 * JSON 41301, whatever the declared size and for chunked bodies too. Bun used to answer
 * bodies past limit + 64 KiB itself, with an empty 413 (a 502 behind nginx).
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { until } from '../helpers/gateway.ts'
import { CALLBACK_PATH, destroyBody, exchange, postCallback, RUNTIMES, startRawGateway, type Exchange, type RawGateway } from '../helpers/raw-http.ts'

const HEALTHZ = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'

/** A valid callback padded with spaces to exactly `size` bytes: only the limit can refuse it. */
function paddedBody(roomId: string, size: number): Buffer {
  const body = destroyBody(roomId)
  return Buffer.from(body + ' '.repeat(size - body.length))
}

function declared(roomId: string, size: number): (string | Uint8Array)[] {
  return [`POST ${CALLBACK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${size}\r\n\r\n`, paddedBody(roomId, size), HEALTHZ]
}

/** In chunks of `chunkSize` bytes (default: one chunk). */
function chunked(roomId: string, size: number, chunkSize = size): (string | Uint8Array)[] {
  const body = paddedBody(roomId, size)
  const parts: (string | Uint8Array)[] = [`POST ${CALLBACK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n`]
  for (let at = 0; at < body.length; at += chunkSize) {
    const chunk = body.subarray(at, at + chunkSize)
    parts.push(`${chunk.length.toString(16)}\r\n`, chunk, '\r\n')
  }
  parts.push('0\r\n\r\n', HEALTHZ)
  return parts
}

function expectJson413(result: Exchange, limit: number): void {
  expect(result.responses.length).toBeGreaterThanOrEqual(1)
  const [first] = result.responses
  expect(first!.status).toBe(413)
  expect(first!.body).toBe(`{"ActionStatus":"FAIL","ErrorInfo":"body is larger than the limit: limit is ${limit} bytes","ErrorCode":41301}`)
  // Sane afterwards: either the connection is closed as announced, or the rest of the body
  // was skipped and the next request on the same connection is answered.
  if (first!.headers.connection === 'close') expect(result.closed).toBe(true)
  else expect(result.responses[1]).toMatchObject({ status: 200, body: '{"status":"ok"}' })
}

for (const runtime of RUNTIMES) {
  describe(`${runtime}: maxBodyBytes 1024`, () => {
    let gw: RawGateway
    beforeAll(async () => {
      gw = await startRawGateway(runtime, 'maxBodyBytes: 1024')
    })
    afterAll(() => gw.stop())

    for (const factor of [2, 100]) {
      it(`answers a declared body of ${factor}x the limit with the JSON 413`, async () => {
        expectJson413(await exchange(gw.port, declared(`declared-${factor}x`, factor * 1024), { expect: 2 }), 1024)
      })

      it(`answers a chunked body of ${factor}x the limit with the JSON 413, in one chunk and in 1 KiB chunks`, async () => {
        expectJson413(await exchange(gw.port, chunked(`chunked-${factor}x`, factor * 1024), { expect: 2 }), 1024)
        expectJson413(await exchange(gw.port, chunked(`chunked-${factor}x-small`, factor * 1024, 1024), { expect: 2 }), 1024)
      })
    }

    it('answers a declared length far past the limit before the body arrives', async () => {
      const head = `POST ${CALLBACK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1073741824\r\n\r\n`
      const result = await exchange(gw.port, [head, paddedBody('declared-1g', 4096)], { expect: 1 })
      expect(result.responses[0]?.status).toBe(413)
      expect(JSON.parse(result.responses[0]!.body).ErrorCode).toBe(41301)
    })

    it('stores and delivers none of them, and still takes a callback within the limit', async () => {
      expect((await exchange(gw.port, [postCallback('within-limit', { extra: 'Connection: close\r\n' })])).responses[0]?.status).toBe(200)
      await gw.waitDelivered('within-limit')
      expect(gw.delivered()).toEqual(['within-limit'])
      const refused = await until(() => {
        const lines = gw.callbackLogs().filter((line) => line.status === 413)
        return lines.length >= 7 && lines
      })
      expect(refused.length).toBe(7)
      expect(refused.every((line) => line.outcome === 'bodyTooLarge')).toBe(true)
    })
  })

  describe(`${runtime}: the default 1 MiB limit`, () => {
    let gw: RawGateway
    beforeAll(async () => {
      gw = await startRawGateway(runtime)
    })
    afterAll(() => gw.stop())

    it('answers a declared Content-Length of 1114113 (limit + 64 KiB + 1) with the JSON 413', async () => {
      expectJson413(await exchange(gw.port, declared('declared-1114113', 1114113), { expect: 2 }), 1048576)
    })

    it('answers a chunked body of 1114113 bytes with the JSON 413, in one chunk and in 4 KiB chunks', async () => {
      expectJson413(await exchange(gw.port, chunked('chunked-1114113', 1114113), { expect: 2 }), 1048576)
      expectJson413(await exchange(gw.port, chunked('chunked-1114113-small', 1114113, 4096), { expect: 2 }), 1048576)
    })

    it('takes a body of exactly the limit', async () => {
      const result = await exchange(gw.port, [
        `POST ${CALLBACK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\nConnection: close\r\n\r\n`,
        paddedBody('exactly-limit', 1048576),
      ])
      expect(result.responses[0]?.status).toBe(200)
      await gw.waitDelivered('exactly-limit')
      expect(gw.delivered()).toEqual(['exactly-limit'])
    })
  })
}
