/** `tencent.apps` and `routes[].app` as the loader checks them (docs/design.md §3). */
import { describe, expect, it } from 'bun:test'
import { appsOf } from '../../src/config/apps.ts'
import { loadConfig } from '../../src/config/load.ts'
import { compileRoutes } from '../../src/routing/match.ts'
import { configProblems, writeConfigFile } from '../helpers/config.ts'

const APPS = `tencent:
  apps:
    - { name: live-prod, sdkAppId: 1400000001, token: live }
    - { name: chat-prod, sdkAppId: 1400000002, token: chat, tokens: [chat-old] }
`
const withRoutes = (routes: string) => `${APPS}plugins: { crm: { use: file-logger, options: { path: ./x.jsonl } } }\nroutes:\n${routes}`

describe('tencent.apps', () => {
  it('loads: each app with its own tokens, SdkAppids as text, no Sign asked of an app without a token', async () => {
    const { config, secrets } = await loadConfig({ path: writeConfigFile(`${APPS}    - { name: dev, sdkAppId: "1400000003" }\n`), env: {} })
    expect(appsOf(config.tencent)).toEqual([
      { name: 'live-prod', sdkAppId: '1400000001', tokens: ['live'] },
      { name: 'chat-prod', sdkAppId: '1400000002', tokens: ['chat', 'chat-old'] },
      { name: 'dev', sdkAppId: '1400000003', tokens: [] },
    ])
    expect(secrets).toEqual(expect.arrayContaining(['live', 'chat', 'chat-old']))
    expect(config.tencent.maxClockSkewSeconds).toBe(60)
  })

  it('keeps the single-token form: one token set for every listed SdkAppid, no names', async () => {
    const { config } = await loadConfig({ path: writeConfigFile('tencent: { sdkAppId: [1400000001, "1400000002"], token: t0, tokens: [t1] }\n'), env: {} })
    expect(appsOf(config.tencent)).toEqual([
      { sdkAppId: '1400000001', tokens: ['t0', 't1'] },
      { sdkAppId: '1400000002', tokens: ['t0', 't1'] },
    ])
  })

  it('refuses both forms at once, naming the keys found', async () => {
    expect(await configProblems(`${APPS}  token: shared\n`)).toEqual([
      'tencent: use either tencent.apps (each app with its own token) or tencent.sdkAppId with token/tokens (one token for all), not both; found apps and token',
    ])
    expect((await configProblems(`${APPS}  sdkAppId: 1400000009\n`))[0]).toEndWith('found apps and sdkAppId')
  })

  it('refuses neither form', async () => {
    expect(await configProblems('tencent: { token: abc }\n')).toEqual([
      'tencent: set tencent.sdkAppId (with token) or tencent.apps (several apps, each with its own token)',
    ])
    expect(await configProblems('tencent: { apps: [] }\n')).toEqual(['tencent.apps: Expected array length to be greater or equal to 1'])
  })

  it('refuses a name or an SdkAppid used twice, naming both places', async () => {
    const problems = await configProblems(`${APPS}    - { name: live-prod, sdkAppId: "1400000002" }\n`)
    expect(problems).toEqual([
      'tencent.apps[2].name: "live-prod" is already used by tencent.apps[0].name',
      'tencent.apps[2].sdkAppId: "1400000002" is already used by tencent.apps[1].sdkAppId',
    ])
  })

  it('checks each app: a name like a plugin id, an SdkAppid, no unknown keys, the reserved name', async () => {
    const problems = await configProblems(`tencent:\n  apps:\n    - { name: "bad name", sdkAppId: abc, tokne: x }\n    - { name: unknown, sdkAppId: 1 }\n`)
    expect(problems.some((p) => p.startsWith('tencent.apps[0].name: '))).toBe(true)
    expect(problems.some((p) => p.startsWith('tencent.apps[0].sdkAppId: '))).toBe(true)
    expect(problems).toContain('tencent.apps[0].tokne: unknown key "tokne"; did you mean "token"?')
    expect(problems.some((p) => p.startsWith('tencent.apps[1].name: "unknown" is reserved'))).toBe(true)
  })
})

describe('routes[].app', () => {
  it('accepts app names and SdkAppids, alone or in a list', async () => {
    expect(
      await configProblems(withRoutes('  - { match: "*", app: chat-prod, to: [crm] }\n  - { match: "*", app: [live-prod, 1400000002], to: [crm] }\n')),
    ).toEqual([])
  })

  it('refuses an unknown app, with a suggestion, at its path', async () => {
    expect(
      await configProblems(withRoutes('  - { match: "*", app: chat-prd, to: [crm] }\n  - { match: "*", app: [live-prod, 1400000099], to: [crm] }\n')),
    ).toEqual([
      'routes[0].app: unknown app "chat-prd"; did you mean "chat-prod"? (known: live-prod, 1400000001, chat-prod, 1400000002)',
      'routes[1].app[1]: unknown app "1400000099" (known: live-prod, 1400000001, chat-prod, 1400000002)',
    ])
  })

  it('takes SdkAppids of the single-token form', async () => {
    const yaml = 'tencent: { sdkAppId: [1400000001, 1400000002] }\nplugins: { crm: { use: file-logger, options: { path: ./x.jsonl } } }\nroutes:\n'
    expect(await configProblems(`${yaml}  - { match: "*", app: 1400000002, to: [crm] }\n`)).toEqual([])
    expect((await configProblems(`${yaml}  - { match: "*", app: live-prod, to: [crm] }\n`))[0]).toStartWith('routes[0].app: unknown app "live-prod"')
  })
})

describe('route matching by app', () => {
  const apps = [
    { name: 'live-prod', sdkAppId: '1400000001', tokens: [] },
    { name: 'chat-prod', sdkAppId: '1400000002', tokens: [] },
  ]
  const table = compileRoutes(
    [
      { match: '*', to: ['all'] },
      { match: 'Group.*', app: 'chat-prod', to: ['crm'] },
      { match: '*', app: [1400000001], to: ['live'] },
    ],
    new Set(['all', 'crm', 'live']),
    apps,
  )

  it('holds a route with app: only for callbacks of those apps, by name or SdkAppid', () => {
    expect(table.targetsFor('Group.CallbackAfterSendMsg', {}, '1400000002')).toEqual(['all', 'crm'])
    expect(table.targetsFor('Group.CallbackAfterSendMsg', {}, '1400000001')).toEqual(['all', 'live'])
    expect(table.resolve('Live.CallbackAfterDestroyRoom', {}, '1400000002').targets).toEqual(['all'])
  })

  it('holds no app-limited route when the app is not given', () => {
    expect(table.targetsFor('Group.CallbackAfterSendMsg', {})).toEqual(['all'])
  })
})
