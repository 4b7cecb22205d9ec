/**
 * TRTC callbacks through a real gateway process (docs/design.md §1, "The TRTC path"): a signed
 * callback to /trtc is answered {"code":0} and reaches the file logger routed by `TRTC.*`;
 * `send --trtc` signs one the same way; a bad Sign gets 403 JSON; the key (from the
 * environment) appears in no log line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { computeTrtcSign } from '../../src/tencent/trtc.ts'
import { trtcSample } from '../../src/tencent/trtc-schemas.ts'
import { until } from '../helpers/gateway.ts'
import { startTrtcGateway, type TrtcGateway } from '../helpers/trtc.ts'
import { runCli, type ServerProcess } from '../helpers/process.ts'

const KEY = 'E2eTrtcKey42'
const APP = '1400000321'

describe('TRTC through a real gateway process', () => {
  let server: ServerProcess
  let configPath: string
  let trtcUrl: string
  let logged: TrtcGateway['logged']

  beforeAll(async () => {
    ;({ server, configPath, logged } = await startTrtcGateway({ key: KEY, app: APP, env: { LOG_LEVEL: 'debug' } }))
    trtcUrl = `http://127.0.0.1:${server.port}/trtc`
  })
  afterAll(async () => {
    server.kill('SIGTERM')
    await server.exited
  })

  it('answers a signed callback {"code":0} once stored, and delivers it to the routed plugin', async () => {
    const body = JSON.stringify(trtcSample('TRTC.Media.StartVideo'))
    const response = await fetch(trtcUrl, { method: 'POST', body, headers: { SdkAppId: APP, Sign: computeTrtcSign(KEY, body) } })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('{"code":0}')
    const lines = await until(() => logged().length >= 1 && logged(), 5000, 'the file logger line')
    expect(lines[0].command).toBe('TRTC.Media.StartVideo')
    expect(lines[0].sdkAppId).toBe(APP)
    expect(lines[0].payload).toEqual(JSON.parse(body))
  })

  it('answers a bad Sign 403 with the FAIL body, and delivers nothing', async () => {
    const body = JSON.stringify(trtcSample('TRTC.Room.ExitRoom'))
    const before = logged().length
    const response = await fetch(trtcUrl, { method: 'POST', body, headers: { SdkAppId: APP, Sign: computeTrtcSign('not-the-key', body) } })
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({ ActionStatus: 'FAIL', ErrorInfo: 'Sign does not match the TRTC callback key', ErrorCode: 40310 })
    await new Promise((r) => setTimeout(r, 300))
    expect(logged().length).toBe(before)
  })

  it('send --trtc signs a test callback with the config key and prints the answer', async () => {
    const before = logged().length
    const result = await runCli(['send', '--trtc', '--url', trtcUrl, '--command', 'TRTC.Room.EnterRoom', '--config', configPath], { TRTC_CALLBACK_KEY: KEY })
    expect(result.stdout).toContain('HTTP 200')
    expect(result.stdout).toContain('{"code":0}')
    expect(result.code).toBe(0)
    const lines = await until(() => logged().length > before && logged(), 5000, 'the sent callback')
    expect(lines.at(-1).command).toBe('TRTC.Room.EnterRoom')
    expect(lines.at(-1).payload.EventInfo.UserId).toBe('test')
  })

  it('send --trtc with a wrong --key gets 403 and exits 1; an unknown command is a usage error', async () => {
    const wrong = await runCli(['send', '--trtc', '--url', trtcUrl, '--key', 'wrong-key', '--sdk-app-id', APP])
    expect(wrong.stdout).toContain('HTTP 403')
    expect(wrong.stdout).toContain('40310')
    expect(wrong.code).toBe(1)
    const bad = await runCli(['send', '--trtc', '--url', trtcUrl, '--key', KEY, '--sdk-app-id', APP, '--command', 'Live.CallbackAfterDestroyRoom'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('not a TRTC command')
  })

  it('never writes the key to its log', () => {
    expect(server.output()).toContain('"command":"TRTC.Room.EnterRoom"')
    expect(server.output()).not.toContain(KEY)
  })
})
