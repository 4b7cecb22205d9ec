/**
 * Secrets never reach output. One run uses every kind of secret (callback tokens, the Slack
 * webhook URL, http-sync header values and HMAC secret, custom plugins' API keys, one of them
 * logged and thrown by a careless plugin) against
 * sinks that echo what they received back in their error bodies; all output of validate,
 * serve (at debug level), dlq and a failing config load is searched for every secret.
 */
import { afterAll, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { computeSign } from '../../src/tencent/signature.ts'
import { REPO, tempDir, tencentQuery, until } from '../helpers/gateway.ts'
import { runCli, startServer } from '../helpers/process.ts'
import { startSink } from '../helpers/sinks.ts'

const SECRETS = {
  token: 'tok-primary-5ecret-A1',
  rotation: 'tok-rotation-5ecret-B2',
  slackPath: '/services/T0SECRET/B0SECRET/xoxSECRETslackpath',
  authorization: 'Bearer crm-5ecret-bearer-C3',
  hmac: 'hmac-5ecret-D4',
  apiKey: 'archive-5ecret-key-E5',
  leakyKey: 'leaky-5ecret-key-F6',
}

// Every sink refuses with a body that echoes the request back: path, headers and all.
const echo = (req: { path: string; headers: Record<string, string> }) =>
  new Response(JSON.stringify({ error: 'refused', path: req.path, headers: req.headers }), { status: 400 })
const slack = startSink(echo)
const crm = startSink(echo)
const archive = startSink(echo)
afterAll(async () => {
  await slack.close()
  await crm.close()
  await archive.close()
})

function config(extra = ''): string {
  return `server: { port: 0, hostname: 127.0.0.1 }
log: { level: debug }
tencent:
  sdkAppId: 1400000000
  token: \${CB_TOKEN}
  tokens: [${SECRETS.rotation}]
store: { path: ./data/gateway.db }
plugins:
  ops-slack:
    use: slack-notifier
    options: { webhookUrl: "\${SLACK_URL}" }
  crm:
    use: http-sync
    options:
      url: ${crm.url}/sync
      headers: { Authorization: "${SECRETS.authorization}" }
      secret: \${HMAC}
  archive:
    use: ${join(REPO, 'examples/room-archive/room-archive.ts')}
    options: { baseUrl: "${archive.url}", apiKey: "${SECRETS.apiKey}" }
  leaky:
    use: ${join(REPO, 'test/fixtures/leaky-plugin.ts')}
    options: { apiKey: "${SECRETS.leakyKey}" }
    retry: { maxAttempts: 1 }
routes: [{ match: "*", to: [ops-slack, crm, archive, leaky] }]
${extra}`
}

describe('secrets', () => {
  it('appear in no output of validate, serve, dlq or a config error', async () => {
    const env = { CB_TOKEN: SECRETS.token, SLACK_URL: `${slack.url}${SECRETS.slackPath}`, HMAC: SECRETS.hmac }
    const dir = tempDir('secrets-')
    const path = join(dir, 'config.yaml')
    writeFileSync(path, config())
    const outputs: string[] = []

    const validate = await runCli(['validate', '--config', path], env)
    expect(validate.code).toBe(0)
    outputs.push(validate.stdout, validate.stderr)

    const server = await startServer(path, { env })
    const t = String(Math.floor(Date.now() / 1000))
    const signed = tencentQuery({ Sign: computeSign(SECRETS.token, t), RequestTime: t })
    const rotated = tencentQuery({ Sign: computeSign(SECRETS.rotation, t), RequestTime: t })
    expect(
      (
        await fetch(`${server.url}?${signed}`, {
          method: 'POST',
          body: '{"CallbackCommand":"Live.CallbackAfterDestroyRoom","RoomId":"r1","EventType":"DestroyByUser","EventTime":1}',
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await fetch(`${server.url}?${rotated}`, {
          method: 'POST',
          body: '{"CallbackCommand":"Live.CallbackAfterDestroyRoom","RoomId":"r2","EventType":"DestroyByUser","EventTime":2}',
        })
      ).status,
    ).toBe(200)
    expect((await fetch(`${server.url}?${tencentQuery({ Sign: 'bad', RequestTime: t })}`, { method: 'POST', body: '{}' })).status).toBe(403)
    // Every sink saw the secrets it needs, and refused with them echoed back.
    await until(() => slack.requests.length >= 2 && crm.requests.length >= 2 && archive.requests.length >= 2, 5000, 'every sink to be tried')
    expect(crm.requests[0]!.headers.authorization).toBe(SECRETS.authorization)
    expect(archive.requests[0]!.headers.authorization).toBe(`Bearer ${SECRETS.apiKey}`)
    expect(slack.requests[0]!.path).toBe(SECRETS.slackPath)

    const dlq = await until(
      async () => {
        const list = await runCli(['dlq', 'list', '--config', path], env)
        return list.stdout.split('\n').length >= 9 && list
      },
      5000,
      'eight dead letters',
    )
    outputs.push(dlq.stdout, dlq.stderr, (await runCli(['dlq', 'list', '--json', '--config', path], env)).stdout)
    server.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    outputs.push(server.output())

    const broken = join(dir, 'broken.yaml')
    writeFileSync(broken, config('tencnt: { token: x }\n'))
    const failed = await runCli(['validate', '--config', broken], env)
    expect(failed.code).toBe(2)
    outputs.push(failed.stdout, failed.stderr)

    const all = outputs.join('\n')
    expect(all).toContain('connecting with key [redacted]')
    expect(all).toContain('401 from target for key [redacted]')
    expect(all).toContain('unknown key "tencnt"')
    for (const [name, secret] of Object.entries(SECRETS)) {
      const bare = secret.replace(/^Bearer /, '')
      expect({ name, leaked: all.includes(bare) }).toEqual({ name, leaked: false })
    }
    expect(all).not.toContain('xoxSECRETslackpath')
  })
})
