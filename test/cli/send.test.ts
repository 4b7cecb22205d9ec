/** `send` posts as Tencent would: Tencent's query parameters, a valid Sign, a sample body. */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { callbackUrl } from '../../src/cli/send.ts'
import { computeSign } from '../../src/tencent/signature.ts'
import { tempDir } from '../helpers/gateway.ts'
import { runCli, startServer, type ServerProcess } from '../helpers/process.ts'

describe('callbackUrl', () => {
  it("appends Tencent's parameters after the configured URL's own query string, signed", () => {
    const url = new URL(
      callbackUrl({
        url: 'https://gw.example.com/callback?tenant=a',
        command: 'Live.CallbackAfterDestroyRoom',
        sdkAppId: '1400000000',
        token: 'xxxxyyyy',
        nowMs: 1669872112_000,
      }),
    )
    expect(url.searchParams.get('tenant')).toBe('a')
    expect(url.searchParams.get('SdkAppid')).toBe('1400000000')
    expect(url.searchParams.get('CallbackCommand')).toBe('Live.CallbackAfterDestroyRoom')
    expect(url.searchParams.get('contenttype')).toBe('json')
    expect(url.searchParams.get('RequestTime')).toBe('1669872112')
    expect(url.searchParams.get('Sign')).toBe('17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061')
  })
})

describe('send against a running gateway', () => {
  let server: ServerProcess
  let configPath: string
  const token = 'send-test-token'

  beforeAll(async () => {
    const dir = tempDir('send-')
    configPath = join(dir, 'config.yaml')
    writeFileSync(
      configPath,
      `server: { port: 0, hostname: 127.0.0.1 }\ntencent: { sdkAppId: 1400000123, token: ${token} }\nstore: { path: ./data/gateway.db }\n`,
    )
    server = await startServer(configPath)
  })
  afterAll(async () => {
    server.kill('SIGTERM')
    await server.exited
  })

  it('is answered OK when given the app id and token', async () => {
    const result = await runCli(['send', '--url', server.url, '--sdk-app-id', '1400000123', '--token', token])
    expect(result.stdout).toContain('HTTP 200')
    expect(result.stdout).toContain('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}')
    expect(result.code).toBe(0)
  })

  it('prints the decision for a Before command: a gift with no decider is denied, as Tencent would', async () => {
    const result = await runCli(['send', '--url', server.url, '--command', 'Live.CallbackBeforeSendGift', '--config', configPath])
    expect(result.stdout).toContain('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}')
    expect(result.stdout).toContain('decision: deny (ErrorCode 1)')
    expect(result.code).toBe(0)
    const message = await runCli(['send', '--url', server.url, '--command', 'C2C.CallbackBeforeSendMsg', '--config', configPath])
    expect(message.stdout).toContain('decision: allow (ErrorCode 0)')
    const after = await runCli(['send', '--url', server.url, '--config', configPath])
    expect(after.stdout).not.toContain('decision:')
  })

  it('takes the app id and token from --config in its contract form (--url and --command only)', async () => {
    const result = await runCli(['send', '--url', server.url, '--command', 'Live.CallbackAfterMemberStateChanged', '--config', configPath])
    expect(result.stdout).toContain('HTTP 200')
  })

  it('sends a --file body, and reports a rejection with exit 1', async () => {
    const file = join(tempDir('send-body-'), 'body.json')
    writeFileSync(file, '{"CallbackCommand":"Live.CallbackAfterDestroyRoom","RoomId":"r"}')
    const result = await runCli(['send', '--url', server.url, '--config', configPath, '--file', file])
    expect(result.stdout).toContain('HTTP 400')
    expect(result.stdout).toContain('EventType')
    expect(result.code).toBe(1)
  })

  it('is refused with 403 when the token is wrong', async () => {
    const result = await runCli(['send', '--url', server.url, '--sdk-app-id', '1400000123', '--token', 'wrong'])
    expect(result.stdout).toContain('HTTP 403')
    expect(computeSign('wrong', '1')).not.toBe(computeSign(token, '1'))
  })
})

describe('send with a config whose plugins need secrets', () => {
  it('reads only tencent.*: a plugin secret unset here does not stop the test callback', async () => {
    const dir = tempDir('send-secrets-')
    const path = join(dir, 'config.yaml')
    writeFileSync(
      path,
      `tencent: { sdkAppId: 1400000777, token: send-secret-token }
plugins:
  ops-slack:
    use: slack-notifier
    enabled: false
    options: { webhookUrl: "\${SLACK_WEBHOOK_URL}" }
environments:
  production:
    plugins:
      ops-slack: { enabled: true }
`,
    )
    const seen: string[] = []
    const target = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: (request) => (seen.push(request.url), new Response('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}')),
    })
    try {
      const result = await runCli(['send', '--url', `http://127.0.0.1:${target.port}/callback`, '--config', path, '--env', 'production'])
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      const query = new URL(seen[0]!).searchParams
      expect(query.get('SdkAppid')).toBe('1400000777')
      expect(query.get('Sign')).toMatch(/^[0-9a-f]{64}$/)
    } finally {
      await target.stop(true)
    }
  })
})
