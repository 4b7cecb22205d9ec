/** The decision keys of routes (decide, budgetMs, onFailure) as loadConfig checks them. */
import { describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.ts'
import { compileRoutes } from '../../src/routing/match.ts'
import { configProblems, writeConfigFile } from '../helpers/config.ts'
import { REPO } from '../helpers/gateway.ts'

const DECIDER = join(REPO, 'test/fixtures/decider-plugin.ts')

function yaml(routes: string, extraPlugins = ''): string {
  return `
tencent: { sdkAppId: 1400000000 }
plugins:
  check: { use: ${DECIDER}, options: { mode: answer } }
  audit: { use: file-logger, options: { path: ./a.jsonl } }
${extraPlugins}
routes:
${routes}
`
}

describe('decision routes in the config', () => {
  it('accepts the documented shape', async () => {
    expect(await configProblems(yaml('  - { match: Live.CallbackBeforeSendGift, decide: check, budgetMs: 1500, onFailure: deny, to: [audit] }'))).toEqual([])
    expect(await configProblems(yaml('  - { match: "Group.*", decide: check }'))).toEqual([])
    expect(await configProblems(yaml('  - { match: C2C.CallbackBeforeSendMsg, onFailure: deny }'))).toEqual([])
  })

  it('reports each misuse at its path', async () => {
    const problems = await configProblems(
      yaml(`  - { match: Live.CallbackBeforeSendGift, decide: chek }
  - { match: Live.CallbackBeforeSendGift, decide: check, budgetMs: 2500 }
  - { match: Live.CallbackAfterDestroyRoom, decide: check }
  - { match: Live.CallbackBeforeSendGift, budgetMs: 100, to: [audit] }
  - { match: Live.CallbackBeforeSendGift }
  - { match: Live.CallbackBeforeSendGift, decide: check, onFailure: maybe }
  - { match: "Live.CallbackAfter*", onFailure: allow }`),
    )
    expect(problems).toContain('routes[0].decide: unknown plugin instance "chek"; did you mean "check"?')
    expect(problems.some((p) => p.startsWith('routes[1].budgetMs:'))).toBe(true)
    expect(problems).toContain(
      'routes[2].decide: "Live.CallbackAfterDestroyRoom" is not a Before callback; only Before callbacks (such as Live.CallbackBeforeSendGift) are decided',
    )
    expect(problems).toContain('routes[3].budgetMs: only used with decide:')
    expect(problems.some((p) => p.startsWith('routes[4]: a route needs to:'))).toBe(true)
    expect(problems.some((p) => p.startsWith('routes[5].onFailure:'))).toBe(true)
    expect(problems.some((p) => p.startsWith('routes[6].onFailure:'))).toBe(true)
  })
})

describe('the decision plan of a callback', () => {
  async function table(routes: string, enabled = ['check', 'other', 'audit']) {
    const loaded = await loadConfig({
      path: writeConfigFile(yaml(routes, `  other: { use: ${DECIDER}, options: { mode: answer } }`)),
      env: {},
    })
    return compileRoutes(loaded.config.routes, new Set(enabled))
  }
  const gift = { RoomId: 'r', GiftWater: { GiftId: 'rose' } }

  it('lets the first matching route with an enabled decider decide, with its budget and policy', async () => {
    const routes = await table(`  - { match: Live.CallbackBeforeSendGift, where: { GiftWater.GiftId: castle }, decide: other }
  - { match: "Live.*", decide: check, budgetMs: 800, onFailure: allow, to: [audit] }
  - { match: "*", decide: other }`)
    const plan = routes.resolve('Live.CallbackBeforeSendGift', gift)
    expect(plan.targets).toEqual(['audit'])
    expect(plan.decision).toMatchObject({ decider: 'check', budgetMs: 800, onFailure: 'allow' })
    expect(routes.resolve('Live.CallbackBeforeSendGift', { GiftWater: { GiftId: 'castle' } }).decision?.decider).toBe('other')
    expect(routes.resolve('Live.CallbackAfterDestroyRoom', {}).decision).toBeUndefined()
  })

  it('falls back to the command default: gifts deny, messages allow, budget 1500', async () => {
    const routes = await table('  - { match: "*", to: [audit] }')
    expect(routes.resolve('Live.CallbackBeforeSendGift', gift).decision).toMatchObject({ budgetMs: 1500, onFailure: 'deny' })
    expect(routes.resolve('Group.CallbackBeforeSendMsg', {}).decision).toMatchObject({ onFailure: 'allow' })
    expect(routes.resolve('Group.CallbackBeforeSendMsg', {}).decision?.decider).toBeUndefined()
  })

  it('skips a disabled decider for a later enabled one, keeping the disabled route policy only if none decides', async () => {
    const routes = await table(
      `  - { match: Live.CallbackBeforeSendGift, decide: check, onFailure: allow }
  - { match: Live.CallbackBeforeSendGift, decide: other }`,
      ['other'],
    )
    expect(routes.resolve('Live.CallbackBeforeSendGift', gift).decision).toMatchObject({ decider: 'other', onFailure: 'deny' })
    const alone = await table('  - { match: Live.CallbackBeforeSendGift, decide: check, onFailure: allow }', [])
    expect(alone.resolve('Live.CallbackBeforeSendGift', gift).decision).toMatchObject({ onFailure: 'allow' })
    expect(alone.resolve('Live.CallbackBeforeSendGift', gift).decision?.decider).toBeUndefined()
  })
})

describe('names that would be ambiguous or unredacted', () => {
  it('refuses an all-digit app name and a TRTC key shorter than 4 characters', async () => {
    const problems = await configProblems(`
tencent:
  apps: [{ name: "1400000002", sdkAppId: 1400000001 }]
trtc: { key: abc }
`)
    expect(problems.some((p) => p.startsWith('tencent.apps[0].name:'))).toBe(true)
    expect(problems.some((p) => p.startsWith('trtc.key:'))).toBe(true)
  })
})
