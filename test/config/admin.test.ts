/** The `admin` section (docs/configuration.md#admin): defaults, a token off loopback, its length, its own port, a secret. */
import { describe, expect, it } from 'bun:test'
import { isLoopback } from '../../src/config/admin.ts'
import { loadConfig } from '../../src/config/load.ts'
import { planReload } from '../../src/gateway/reload-plan.ts'
import { configProblems, writeConfigFile } from '../helpers/config.ts'
import { runCli } from '../helpers/process.ts'

const BASE = 'tencent:\n  sdkAppId: 1400000000\nstore:\n  path: ":memory:"\n'
const TOKEN = 'a-token-of-24-characters'

describe('admin config', () => {
  it('is optional; with it, hostname defaults to 127.0.0.1 and port to 3001, and the token is a secret', async () => {
    expect((await loadConfig({ path: writeConfigFile(BASE), env: {} })).config.admin).toBeUndefined()
    const loaded = await loadConfig({ path: writeConfigFile(`${BASE}admin:\n  token: \${GATEWAY_ADMIN_TOKEN}\n`), env: { GATEWAY_ADMIN_TOKEN: TOKEN } })
    expect(loaded.config.admin).toEqual({ hostname: '127.0.0.1', port: 3001, token: TOKEN })
    expect(loaded.secrets).toContain(TOKEN)
    expect((await loadConfig({ path: writeConfigFile(`${BASE}admin: {}\n`), env: {} })).config.admin).toEqual({ hostname: '127.0.0.1', port: 3001, token: '' })
  })

  it('requires a token off loopback, of at least 16 characters, and a port other than server.port', async () => {
    expect(await configProblems(`${BASE}admin:\n  hostname: 0.0.0.0\n`)).toEqual([
      expect.stringContaining('admin.token: required when admin.hostname (0.0.0.0) is not a loopback address'),
    ])
    expect(await configProblems(`${BASE}admin:\n  hostname: 0.0.0.0\n  token: ${TOKEN}\n`)).toEqual([])
    expect(await configProblems(`${BASE}admin:\n  token: short\n`)).toEqual(['admin.token: must have at least 16 characters'])
    expect(await configProblems(`${BASE}admin:\n  token: correct horse battery staple\n`)).toEqual([
      'admin.token: must not contain spaces or other white space',
    ])
    expect(await configProblems(`${BASE}server:\n  port: 3001\nadmin: {}\n`)).toEqual([expect.stringContaining('admin.port: 3001 is also server.port')])
    expect((await configProblems(`${BASE}admin:\n  prot: 3002\n`)).join('\n')).toContain('admin.prot')
  })

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', 'LOCALHOST']) expect(isLoopback(host)).toBe(true)
    for (const host of ['0.0.0.0', '10.0.0.1', '::', 'example.com', '128.0.0.1']) expect(isLoopback(host)).toBe(false)
  })

  it('takes effect on restart only', async () => {
    const before = await loadConfig({ path: writeConfigFile(`${BASE}admin: { port: 3001 }\n`), env: {} })
    const after = await loadConfig({ path: writeConfigFile(`${BASE}admin: { port: 3002 }\n`), env: {} })
    expect(planReload(before, before.instances, after).needsRestart).toContain('admin')
  })

  it('shows in validate, with whether a token is required and never the token', async () => {
    const path = writeConfigFile(`${BASE}admin:\n  port: 3005\n  token: ${TOKEN}\n`)
    const result = await runCli(['validate', '--config', path])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('admin console: http://127.0.0.1:3005/; bearer token required')
    expect(result.stdout + result.stderr).not.toContain(TOKEN)
  })
})
