/**
 * Ingress guards. The read timeout is tested on a real server with a raw socket that drips
 * a chunked body; the allow-list both in process and on a real server (peer address).
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { connect } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { allowEntryProblem } from '../../src/config/ip-entries.ts'
import { callerAddress, compileAllowList, compileProxyTrust } from '../../src/ingress/allow-list.ts'
import { setClientAddress } from '../../src/ingress/client-address.ts'
import { deliveredTo, resetRecording } from '../fixtures/recording-plugin.ts'
import { makeGateway, recordingConfig, SEED_BODY, tempDir, tencentQuery, until } from '../helpers/gateway.ts'
import { startServer, type ServerProcess } from '../helpers/process.ts'

describe('allow list', () => {
  it('matches single IPs and CIDRs of both families, IPv4-mapped IPv6 included', () => {
    const list = compileAllowList(['183.192.202.0/25', '10.0.0.1', '2001:db8::/32'])!
    expect(list.allows('183.192.202.127')).toBe(true)
    expect(list.allows('183.192.202.128')).toBe(false)
    expect(list.allows('10.0.0.1')).toBe(true)
    expect(list.allows('::ffff:10.0.0.1')).toBe(true)
    expect(list.allows('2001:db8:1::5')).toBe(true)
    expect(list.allows('2001:db9::1')).toBe(false)
    expect(list.allows(undefined)).toBe(false)
    expect(list.allows('not-an-ip')).toBe(false)
    expect(compileAllowList([])).toBeUndefined()
  })

  it('validates entries', () => {
    expect(allowEntryProblem('10.0.0.0/8')).toBeUndefined()
    expect(allowEntryProblem('10.0.0.0/33')).toContain('prefix length')
    expect(allowEntryProblem('example.com')).toContain('not an IP')
    expect(allowEntryProblem('10.0.0.0/8/1')).toContain('not an IP')
  })

  it('trusts X-Forwarded-For only when told to; `true` takes its right-most hop from any peer', () => {
    expect(callerAddress('127.0.0.1', '6.6.6.6', false)).toBe('127.0.0.1')
    expect(callerAddress('127.0.0.1', '6.6.6.6, 183.192.202.5', true)).toBe('183.192.202.5')
    expect(callerAddress('127.0.0.1', null, true)).toBe('127.0.0.1')
    // The reason `validate` warns about `true`: a direct caller names its own address.
    expect(callerAddress('9.9.9.9', '183.192.202.5', true)).toBe('183.192.202.5')
    expect(compileProxyTrust(true)).toBe(true)
    expect(compileProxyTrust(false)).toBe(false)
    expect(compileProxyTrust([])).toBe(false)
  })

  it('with a list of proxies, reads X-Forwarded-For only from them and walks it right to left past trusted hops', () => {
    const trust = compileProxyTrust(['127.0.0.1', '10.0.0.0/8', 'fd00::/8'])
    // A peer that is not a listed proxy is the caller, whatever it claims.
    expect(callerAddress('9.9.9.9', '183.192.202.5', trust)).toBe('9.9.9.9')
    expect(callerAddress('::ffff:9.9.9.9', '183.192.202.5', trust)).toBe('::ffff:9.9.9.9')
    expect(callerAddress(undefined, '183.192.202.5', trust)).toBeUndefined()
    // From a listed proxy: the first untrusted hop from the right; a forged entry to its left does not count.
    expect(callerAddress('127.0.0.1', '183.192.202.5', trust)).toBe('183.192.202.5')
    expect(callerAddress('127.0.0.1', '6.6.6.6, 183.192.202.5', trust)).toBe('183.192.202.5')
    expect(callerAddress('127.0.0.1', '6.6.6.6, 183.192.202.5, 10.1.2.3, 10.4.5.6', trust)).toBe('183.192.202.5')
    expect(callerAddress('127.0.0.1', '6.6.6.6,183.192.202.5 , fd00::7', trust)).toBe('183.192.202.5')
    // Every hop trusted: the left-most.
    expect(callerAddress('127.0.0.1', '10.0.0.9, 10.0.0.8', trust)).toBe('10.0.0.9')
    // No header, or an empty one: the proxy itself.
    expect(callerAddress('127.0.0.1', null, trust)).toBe('127.0.0.1')
    expect(callerAddress('127.0.0.1', ' , ', trust)).toBe('127.0.0.1')
    // A hop that is not an address is untrusted, so it becomes the caller (and fails allowIps).
    expect(callerAddress('127.0.0.1', '183.192.202.5, garbage', trust)).toBe('garbage')
    // An IPv4-mapped IPv6 peer or hop matches the IPv4 entries.
    expect(callerAddress('::ffff:127.0.0.1', '183.192.202.5', trust)).toBe('183.192.202.5')
    expect(callerAddress('127.0.0.1', '183.192.202.5, ::ffff:10.0.0.1', trust)).toBe('183.192.202.5')
    expect(callerAddress('::1', '183.192.202.5', trust)).toBe('::1')
  })

  it('answers 403 to a caller outside the list and delivers nothing', async () => {
    resetRecording()
    const gw = await makeGateway(recordingConfig({ extra: 'server:\n  allowIps: [183.192.202.0/25]\n  trustProxy: true' }))
    const from = (ip: string) => gw.post(tencentQuery(), SEED_BODY.replace('tandy-test-rest', ip), { headers: { 'x-forwarded-for': `1.1.1.1, ${ip}` } })
    const denied = await from('9.9.9.9')
    expect(denied.status).toBe(403)
    expect((await denied.json()).ErrorCode).toBe(40307)
    expect((await from('183.192.202.9')).status).toBe(200)
    await until(() => deliveredTo('rec').length === 1)
    await new Promise((r) => setTimeout(r, 100))
    expect(deliveredTo('rec').map((e) => e.payload.RoomId)).toEqual(['183.192.202.9'])
    await gw.close()
  })

  it('uses the peer address without trustProxy, ignoring a forged X-Forwarded-For', async () => {
    const gw = await makeGateway(recordingConfig({ extra: 'server:\n  allowIps: [10.1.2.3]' }))
    const request = (peer: string, forwarded?: string) => {
      const r = new Request(`http://localhost/callback?${tencentQuery()}`, {
        method: 'POST',
        body: SEED_BODY,
        headers: forwarded ? { 'x-forwarded-for': forwarded } : {},
      })
      setClientAddress(r, peer)
      return gw.app.handle(r)
    }
    expect((await request('10.1.2.3')).status).toBe(200)
    expect((await request('10.9.9.9', '10.1.2.3')).status).toBe(403)
    await gw.close()
  })

  it('rejects an invalid entry in the config', async () => {
    await expect(makeGateway(recordingConfig({ extra: 'server:\n  allowIps: [10.0.0.0/40]' }))).rejects.toThrow(
      'server.allowIps[0]: "10.0.0.0/40" has a prefix length outside 0..32',
    )
  })

  it('rejects an invalid trustProxy entry in the config, with its path', async () => {
    const attempt = makeGateway(recordingConfig({ extra: 'server:\n  trustProxy: [127.0.0.1, 10.0.0.0/33, proxy.local]' }))
    await expect(attempt).rejects.toThrow('server.trustProxy[1]: "10.0.0.0/33" has a prefix length outside 0..32')
    await expect(attempt).rejects.toThrow('server.trustProxy[2]: "proxy.local" is not an IP address or CIDR')
  })

  it('with a proxy list, ignores X-Forwarded-For from a peer that is not the proxy', async () => {
    const gw = await makeGateway(recordingConfig({ extra: 'server:\n  allowIps: [10.1.2.3]\n  trustProxy: [127.0.0.1]' }))
    const request = (peer: string, forwarded?: string) => {
      const r = new Request(`http://localhost/callback?${tencentQuery()}`, {
        method: 'POST',
        body: SEED_BODY,
        headers: forwarded ? { 'x-forwarded-for': forwarded } : {},
      })
      setClientAddress(r, peer)
      return gw.app.handle(r)
    }
    expect((await request('127.0.0.1', '10.1.2.3')).status).toBe(200)
    expect((await request('::ffff:127.0.0.1', '10.1.2.3')).status).toBe(200)
    expect((await request('127.0.0.1', '10.1.2.3, 6.6.6.6')).status).toBe(403)
    expect((await request('10.9.9.9', '10.1.2.3')).status).toBe(403)
    await gw.close()
  })
})

describe('on a real server', () => {
  let server: ServerProcess
  let port: number
  beforeAll(async () => {
    const path = join(tempDir('guards-'), 'config.yaml')
    writeFileSync(
      path,
      `server: { port: 0, hostname: 127.0.0.1, readTimeoutMs: 400, allowIps: [127.0.0.1, "::1"] }\ntencent: { sdkAppId: 1400000000 }\nstore: { path: ./data/gateway.db }\n`,
    )
    server = await startServer(path)
    port = server.port
  })
  afterAll(async () => {
    server.kill('SIGTERM')
    await server.exited
  })

  it('admits the loopback peer by its real address', async () => {
    expect((await fetch(`${server.url}?${tencentQuery()}`, { method: 'POST', body: SEED_BODY })).status).toBe(200)
  })

  it('answers 408 and closes the connection when a chunked body drips past readTimeoutMs', async () => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
    socket.on('data', (chunk) => (received += chunk.toString()))
    socket.on('error', () => {})
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()))
    socket.write(`POST /callback?${tencentQuery()} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"Cal\r\n`)
    // One more byte every 150 ms: never finishing, never idle long enough for a plain idle timeout.
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write('1\r\nx\r\n')
    }, 150)
    const started = performance.now()
    await Promise.race([closed, new Promise((r) => setTimeout(r, 8000))])
    clearInterval(drip)
    socket.destroy()
    expect(received).toStartWith('HTTP/1.1 408')
    expect(received).toContain('"ErrorCode":40801')
    expect(performance.now() - started).toBeLessThan(8000)
  })
})
