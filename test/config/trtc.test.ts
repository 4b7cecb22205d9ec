/** The `trtc` section (docs/design.md §1, "The TRTC path"): defaults, checks, secrets, apps. */
import { describe, expect, it } from 'bun:test'
import { loadConfig } from '../../src/config/load.ts'
import { trtcApps } from '../../src/config/trtc.ts'
import { configProblems, writeConfigFile } from '../helpers/config.ts'

const BASE = 'tencent:\n  sdkAppId: 1400000000\nstore:\n  path: ":memory:"\n'

describe('trtc config', () => {
  it('is optional, defaults its path to /trtc, and registers the key as a secret', async () => {
    const without = await loadConfig({ path: writeConfigFile(BASE), env: {} })
    expect(without.config.trtc).toBeUndefined()
    const loaded = await loadConfig({ path: writeConfigFile(`${BASE}trtc:\n  key: \${TRTC_CALLBACK_KEY}\n`), env: { TRTC_CALLBACK_KEY: 'Abc123Key' } })
    expect(loaded.config.trtc).toEqual({ path: '/trtc', key: 'Abc123Key' })
    expect(loaded.secrets).toContain('Abc123Key')
  })

  it('requires the key, names a missing variable, and refuses unknown keys', async () => {
    expect(await configProblems(`${BASE}trtc:\n  path: /trtc\n`)).toEqual([expect.stringContaining('trtc.key')])
    expect(await configProblems(`${BASE}trtc:\n  key: \${TRTC_CALLBACK_KEY}\n`)).toEqual([expect.stringContaining('TRTC_CALLBACK_KEY')])
    expect((await configProblems(`${BASE}trtc:\n  key: k123\n  secret: x\n`)).join('\n')).toContain('trtc.secret')
  })

  it('refuses a path that is server.path or one the gateway serves itself', async () => {
    const same = await configProblems(`${BASE}server:\n  path: /hooks\ntrtc:\n  key: k123\n  path: /hooks/\n`)
    expect(same).toEqual([expect.stringContaining('trtc.path: "/hooks/" is also server.path')])
    expect(await configProblems(`${BASE}trtc:\n  key: k123\n  path: /callback\n`)).toEqual([expect.stringContaining('server.path')])
    expect(await configProblems(`${BASE}trtc:\n  key: k123\n  path: /metrics\n`)).toEqual([expect.stringContaining('served by the gateway itself')])
    expect(await configProblems(`${BASE}trtc:\n  key: k123\n  path: trtc\n`)).toEqual([expect.stringContaining('trtc.path')])
  })

  it("accepts the tencent apps by default (named by their name), or trtc.sdkAppId's own list", () => {
    const apps = { apps: [{ name: 'live-prod', sdkAppId: 1400000001, token: '' }], token: '', maxClockSkewSeconds: 60 }
    expect([...trtcApps({ tencent: apps })]).toEqual([['1400000001', 'live-prod']])
    expect([...trtcApps({ tencent: apps, trtc: { path: '/trtc', key: 'k', sdkAppId: [1400000001, '1400000009'] } })]).toEqual([
      ['1400000001', 'live-prod'],
      ['1400000009', '1400000009'],
    ])
  })
})
