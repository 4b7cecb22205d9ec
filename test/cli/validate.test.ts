/** `validate` as a real process: exit codes, every error listed, the routing table per environment. */
import { describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir, REPO } from '../helpers/gateway.ts'
import { runCli } from '../helpers/process.ts'

function configFile(yaml: string): string {
  const path = join(tempDir('validate-'), 'config.yaml')
  writeFileSync(path, yaml)
  return path
}

describe('validate', () => {
  it('fails with exit 2 listing a typo, a missing variable, an unknown plugin and a bad option together', async () => {
    const path = configFile(`
tencent:
  sdkAppId: 1400000000
  tokne: abc
plugins:
  audit:
    use: file-logger
    options: { rotate: weekly }
  slack:
    use: slack-notifier
    options:
      webhookUrl: \${SLACK_WEBHOOK_URL}
  crm:
    use: htp-sync
routes:
  - match: Live.CallbackAfterDestroyRoom
    to: [audit, slack, crm]
`)
    const result = await runCli(['validate', '--config', path])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('tencent.tokne: unknown key "tokne"; did you mean "token"?')
    expect(result.stderr).toContain('plugins.slack.options.webhookUrl: environment variable SLACK_WEBHOOK_URL is not set')
    expect(result.stderr).toContain('plugins.crm.use: unknown plugin "htp-sync"; did you mean "http-sync"?')
    expect(result.stderr).toContain('plugins.audit.options.rotate: Expected one of "size", "daily"')
  })

  it('prints the effective instances and routes of the shipped config, and exits 0', async () => {
    const result = await runCli(['validate', '--config', join(REPO, 'config.yaml')])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/audit-log\s+file-logger\s+enabled/)
    expect(result.stdout).toMatch(/ops-slack\s+slack-notifier\s+disabled/)
    expect(result.stdout).toMatch(/crm\s+http-sync\s+disabled/)
    expect(result.stdout).toContain('Live.CallbackAfterDestroyRoom -> audit-log, ops-slack (disabled), crm (disabled)')
  })

  it('--env production turns Slack and the sync on, shown in the routing table, with the webhook redacted', async () => {
    const webhook = 'https://hooks.slack.com/services/T000/B000/SECRETxyz123'
    const result = await runCli(['validate', '--config', join(REPO, 'config.yaml'), '--env', 'production'], {
      SLACK_WEBHOOK_URL: webhook,
      CRM_TOKEN: 'crm-secret-token',
    })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('environment: production')
    expect(result.stdout).toMatch(/ops-slack\s+slack-notifier\s+enabled/)
    expect(result.stdout).toContain('Live.CallbackAfterDestroyRoom -> audit-log, ops-slack, crm')
    expect(result.stdout).not.toContain('SECRETxyz123')
    expect(result.stdout).not.toContain('crm-secret-token')
  })

  it('GATEWAY_ENV selects the environment too', async () => {
    const result = await runCli(['validate', '--config', join(REPO, 'config.yaml')], {
      GATEWAY_ENV: 'production',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/x',
    })
    expect(result.stdout).toMatch(/ops-slack\s+slack-notifier\s+enabled/)
  })

  it('warns about each route that sends Before callbacks to plugins with no decider, and shows decisions in the routing table', async () => {
    const config = configFile(`tencent: { sdkAppId: 1400000000 }
plugins:
  audit: { use: file-logger, options: { path: ./a.jsonl } }
  limit: { use: rules, options: { rules: [] } }
routes:
  - { match: "*", to: [audit] }
  - { match: Live.CallbackBeforeSendGift, decide: limit, budgetMs: 800, onFailure: deny, to: [audit] }
  - { match: C2C.CallbackBeforeSendMsg, to: [audit] }
  - { match: Live.CallbackAfterDestroyRoom, to: [audit] }
`)
    const result = await runCli(['validate', '--config', config])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Live.CallbackBeforeSendGift decided by limit within 800 ms, else deny -> audit')
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning:'))
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toContain(
      'routes[0] (*) sends Before callbacks to plugins, but no route names a decider for Group.CallbackBeforeSendMsg, C2C.CallbackBeforeSendMsg',
    )
    expect(warnings[0]).not.toContain('Live.CallbackBeforeSendGift')
    expect(warnings[1]).toContain('routes[2] (C2C.CallbackBeforeSendMsg)')
    expect(result.stdout).toMatch(/limit +rules +enabled +decides/)
  })

  it('shows the TRTC path, its SdkAppIds and that a key is set, never the key', async () => {
    const config = configFile(`tencent: { sdkAppId: 1400000000 }\ntrtc: { key: trtc-secret-key, sdkAppId: [1400000000, 1400000777] }\n`)
    const result = await runCli(['validate', '--config', config])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('trtc: http://0.0.0.0:3000/trtc; SdkAppIds 1400000000, 1400000777; key set')
    expect(result.stdout + result.stderr).not.toContain('trtc-secret-key')
  })

  it('warns about trustProxy: true (exit code unchanged) and suggests listing the proxy; the list form gets no warning', async () => {
    const config = (trust: string, hostname = '127.0.0.1') =>
      configFile(`server: { hostname: ${hostname}, allowIps: [183.192.202.0/25], trustProxy: ${trust} }\ntencent: { sdkAppId: 1400000000 }\n`)
    const trusting = await runCli(['validate', '--config', config('true')])
    expect(trusting.code).toBe(0)
    expect(trusting.stdout).toContain('config OK')
    expect(trusting.stderr).toMatch(/^warning: server\.trustProxy: true .*X-Forwarded-For.*trustProxy: \[127\.0\.0\.1\]$/m)
    const public_ = await runCli(['validate', '--config', config('true', '0.0.0.0')])
    expect(public_.code).toBe(0)
    expect(public_.stderr).toContain("trustProxy: [<your proxy's address>]")
    const listed = await runCli(['validate', '--config', config('[127.0.0.1]')])
    expect(listed.code).toBe(0)
    expect(listed.stderr).not.toContain('warning')
    const bad = await runCli(['validate', '--config', config('[127.0.0.1, 10.0.0.0/33]')])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('server.trustProxy[1]: "10.0.0.0/33" has a prefix length outside 0..32')
  })

  it('exits 2 on bad arguments and unknown commands', async () => {
    // In a directory with no config.yaml: the repository's own is the default config.
    expect((await runCli(['validate'], {}, { cwd: tempDir('validate-cwd-') })).code).toBe(2)
    expect((await runCli(['validate', '--config', 'x.yaml', '--bogus'])).code).toBe(2)
    expect((await runCli(['frobnicate'])).code).toBe(2)
  })
})
