/**
 * What the runtime answers by itself, before the gateway sees a request (see docs/http.md,
 * "What the runtime answers by itself"). Pinned per runtime so an upgrade that changes one
 * fails here and docs/http.md is updated with it. Every refused callback is a valid one, so
 * "not delivered" can only come from the refusal; a control callback sent afterwards proves
 * the gateway had handled everything before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { CALLBACK_PATH, destroyBody, exchange, postCallback, RUNTIMES, startRawGateway, type RawGateway } from '../helpers/raw-http.ts'

const OK = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'

/** A valid callback with an `X-Pad` header making the request head about `kib` KiB. */
function bigHead(roomId: string, kib: number): string {
  return postCallback(roomId, { extra: `X-Pad: ${'a'.repeat(kib * 1024)}\r\nConnection: close\r\n` })
}

function smuggling(roomId: string, lengths: string): string {
  const body = destroyBody(roomId)
  return `POST ${CALLBACK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lengths}\r\n${body}`
}

const chunkedBody = (roomId: string) => {
  const body = destroyBody(roomId)
  return `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
}

for (const runtime of RUNTIMES) {
  describe(`${runtime}: answered by the runtime`, () => {
    let gw: RawGateway
    beforeAll(async () => {
      gw = await startRawGateway(runtime)
    })
    afterAll(() => gw.stop())

    /** Sends a control callback and waits for it: everything sent earlier has been handled. */
    async function settled(control: string): Promise<string[]> {
      expect((await exchange(gw.port, [postCallback(control, { extra: 'Connection: close\r\n' })])).responses[0]?.status).toBe(200)
      await gw.waitDelivered(control)
      return gw.delivered()
    }

    if (runtime === 'bun') {
      it('pipelining: a request behind a pending callback closes the connection with no answer at all', async () => {
        const result = await exchange(gw.port, [postCallback('pipe-1') + postCallback('pipe-2')])
        expect(result.raw).toBe('')
        expect(result.closed).toBe(true)
        // The first is stored and delivered although its answer never reaches the client;
        // the second never runs.
        const delivered = await settled('pipe-control')
        expect(delivered).toContain('pipe-1')
        expect(delivered).not.toContain('pipe-2')
      })

      it('a request head over 16 KiB: an empty 431, nothing stored', async () => {
        const result = await exchange(gw.port, [bigHead('head-20k', 20)])
        expect(result.responses[0]).toMatchObject({ status: 431, body: '' })
        expect(result.closed).toBe(true)
        expect(await settled('head-control')).not.toContain('head-20k')
      })

      it('bare LF line endings: an empty 505, nothing stored', async () => {
        const result = await exchange(gw.port, [postCallback('bare-lf').replaceAll('\r\n', '\n')])
        expect(result.responses[0]).toMatchObject({ status: 505, body: '' })
        expect(result.closed).toBe(true)
        expect(await settled('lf-control')).not.toContain('bare-lf')
      })

      it('no Host header: an empty 400, nothing stored', async () => {
        const result = await exchange(gw.port, [postCallback('no-host', { host: null })])
        expect(result.responses[0]).toMatchObject({ status: 400, body: '' })
        expect(await settled('no-host-control')).not.toContain('no-host')
      })
    } else {
      it('pipelining: both callbacks are answered in order and delivered', async () => {
        const result = await exchange(gw.port, [postCallback('pipe-1') + postCallback('pipe-2')], { expect: 2 })
        expect(result.responses.map((r) => [r.status, r.body])).toEqual([
          [200, OK],
          [200, OK],
        ])
        const delivered = await settled('pipe-control')
        expect(delivered).toContain('pipe-1')
        expect(delivered).toContain('pipe-2')
      })

      it('a request head of 20 KiB is taken; one over 64 KiB gets an empty 400, nothing stored', async () => {
        expect((await exchange(gw.port, [bigHead('head-20k', 20)])).responses[0]).toMatchObject({ status: 200, body: OK })
        const result = await exchange(gw.port, [bigHead('head-65k', 65)])
        expect(result.responses[0]).toMatchObject({ status: 400, body: '' })
        expect(result.closed).toBe(true)
        const delivered = await settled('head-control')
        expect(delivered).toContain('head-20k')
        expect(delivered).not.toContain('head-65k')
      })

      it('bare LF line endings are taken', async () => {
        const result = await exchange(gw.port, [postCallback('bare-lf', { extra: 'Connection: close\r\n' }).replaceAll('\r\n', '\n')])
        expect(result.responses[0]).toMatchObject({ status: 200, body: OK })
        await gw.waitDelivered('bare-lf')
      })

      it('no Host header is taken', async () => {
        const result = await exchange(gw.port, [postCallback('no-host', { host: null, extra: 'Connection: close\r\n' })])
        expect(result.responses[0]).toMatchObject({ status: 200, body: OK })
        await gw.waitDelivered('no-host')
      })
    }

    const shapes: [string, (room: string) => string][] = [
      [
        'Content-Length and Transfer-Encoding',
        (room) => smuggling(room, `Content-Length: 5\r\nTransfer-Encoding: chunked\r\n`).replace(destroyBody(room), chunkedBody(room)),
      ],
      ['two different Content-Lengths', (room) => smuggling(room, `Content-Length: ${destroyBody(room).length}\r\nContent-Length: 5\r\n`)],
      [
        'Transfer-Encoding other than chunked',
        (room) => smuggling(room, `Transfer-Encoding: gzip, chunked, identity\r\n`).replace(destroyBody(room), chunkedBody(room)),
      ],
    ]
    for (const [name, request] of shapes) {
      it(`smuggling shape (${name}): an empty 400 and a closed connection, nothing stored`, async () => {
        const room = `smuggle-${name.replaceAll(' ', '-')}`
        const result = await exchange(gw.port, [request(room)])
        expect(result.responses[0]).toMatchObject({ status: 400, body: '' })
        expect(result.closed).toBe(true)
        expect(await settled(`${room}-control`)).not.toContain(room)
      })
    }
  })
}
