/** validate and send with `tencent.apps` (docs/design.md §3): apps listed, each app's own token used. */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describeConfig } from '../../src/cli/validate.ts'
import { loadConfig } from '../../src/config/load.ts'
import { tempDir } from '../helpers/gateway.ts'
import { runCli, startServer, type ServerProcess } from '../helpers/process.ts'
import { writeConfigFile } from '../helpers/config.ts'

const APPS = `tencent:
  apps:
    - { name: live-prod, sdkAppId: 1400000001, token: live-secret-token }
    - { name: chat-prod, sdkAppId: 1400000002, token: chat-secret-token, tokens: [chat-older-token] }
    - { name: dev, sdkAppId: 1400000003 }
`

describe('validate with tencent.apps', () => {
  it('lists each app: name, SdkAppid, whether Sign is required; tokens never shown', async () => {
    const path = writeConfigFile(`${APPS}plugins: { crm: { use: file-logger, options: { path: ./x.jsonl } } }
routes:
  - { match: "Group.*", app: [chat-prod, 1400000003], to: [crm] }
`)
    const text = describeConfig(await loadConfig({ path, env: {} }))
    expect(text).toContain(
      [
        'apps:',
        '  live-prod  sdkAppId 1400000001  signature required (1 token, redacted)',
        '  chat-prod  sdkAppId 1400000002  signature required (2 tokens, redacted)',
        '  dev        sdkAppId 1400000003  signature not required',
      ].join('\n'),
    )
    expect(text).toContain('  Group.* for app chat-prod|1400000003 -> crm')
    expect(text).not.toContain('secret-token')
    expect(text).not.toContain('older-token')
    expect(text).not.toContain('sdkAppId: ')
  })

  it('keeps the single-token line for the old form', async () => {
    const text = describeConfig(await loadConfig({ path: writeConfigFile('tencent: { sdkAppId: [1, 2], token: tok12345 }\n'), env: {} }))
    expect(text).toContain('sdkAppId: 1, 2; signature: required')
    expect(text).not.toContain('apps:')
  })
})

describe('send with tencent.apps against a running gateway', () => {
  let server: ServerProcess
  let configPath: string

  beforeAll(async () => {
    configPath = join(tempDir('send-apps-'), 'config.yaml')
    writeFileSync(configPath, `server: { port: 0, hostname: 127.0.0.1 }\n${APPS}store: { path: ./data/gateway.db }\n`)
    server = await startServer(configPath)
  })
  afterAll(async () => {
    server.kill('SIGTERM')
    await server.exited
  })

  const send = (...args: string[]) => runCli(['send', '--url', server.url, '--config', configPath, ...args])

  it('sends for the first app with its token when no app is named', async () => {
    const result = await send()
    expect(result.stdout).toContain('HTTP 200')
    expect(server.output()).toContain('"app":"live-prod"')
  })

  it('uses the token of the app --sdk-app-id names, by SdkAppid or by name', async () => {
    const byId = await send('--sdk-app-id', '1400000002', '--command', 'Group.CallbackAfterSendMsg')
    expect(byId.stdout).toContain('HTTP 200')
    const byName = await send('--sdk-app-id', 'chat-prod', '--command', 'Group.CallbackAfterCreateGroup')
    expect(byName.stdout).toContain('HTTP 200')
    expect(server.output().match(/"app":"chat-prod","outcome":"unrouted"/g)?.length).toBe(2)
  })

  it('lends no token to an SdkAppid the config does not list', async () => {
    const result = await send('--sdk-app-id', '1400000009')
    expect(result.stdout).toContain('HTTP 403')
    expect(result.stdout).toContain('SdkAppid is not served here')
  })
})
