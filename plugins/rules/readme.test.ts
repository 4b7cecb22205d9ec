/** The README's examples are real: every `use: rules` instance in its YAML sets up and decides as described. */
import { describe, expect, it } from 'bun:test'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { cleanupAfterEach, sampleEvent, setupPlugin } from '../../test/helpers/plugin-harness.ts'
import rules from './index.ts'

const cleanups = cleanupAfterEach()

async function readmeInstances(): Promise<Record<string, { use: string; options: unknown }>> {
  const readme = await readFile(new URL('./README.md', import.meta.url), 'utf8')
  const instances: Record<string, { use: string; options: unknown }> = {}
  for (const [, block] of readme.matchAll(/^```yaml\n([\s\S]*?)^```/gm)) {
    const config = parse(block!) as { plugins?: typeof instances; routes?: Array<{ decide?: string }> }
    for (const [id, instance] of Object.entries(config.plugins ?? {})) if (instance.use === 'rules') instances[id] = instance
    for (const route of config.routes ?? []) if (route.decide) expect(Object.keys(config.plugins ?? {})).toContain(route.decide)
  }
  return instances
}

async function setUp(id: string) {
  const dir = await mkdtemp(join(tmpdir(), 'rules-readme-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'banned.txt'), '# one word or phrase per line\nspam link\ncasino\n')
  const harness = await setupPlugin(rules, (await readmeInstances())[id]!.options, { configDir: dir })
  cleanups.push(() => harness.remove())
  return harness.instance
}

const message = (Text: string, GroupId = '@TGS#1') =>
  sampleEvent({ command: 'Group.CallbackBeforeSendMsg', payload: { From_Account: 'a', GroupId, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text } }] } })

describe('README examples', () => {
  it('holds the moderation and gift-limit instances', async () => {
    expect(Object.keys(await readmeInstances()).sort()).toEqual(['gift-limit', 'moderation'])
  })

  it('moderation: denies banned words from the inline list and the file, drops phone numbers', async () => {
    const instance = await setUp('moderation')
    expect(await instance.decide(message('free coins!'))).toEqual({ action: 'deny', errorCode: 10101, errorInfo: 'message refused' })
    expect((await instance.decide(message('best Casino in town'))).action).toBe('deny')
    expect((await instance.decide(message('call 13812345678'))).action).toBe('drop')
    expect((await instance.decide(message('hello'))).action).toBe('allow')
    const image = sampleEvent({
      command: 'Group.CallbackBeforeSendMsg',
      payload: { GroupId: '@TGS#2ABCDEF', MsgBody: [{ MsgType: 'TIMImageElem', MsgContent: {} }] },
    })
    expect((await instance.decide(image)).errorInfo).toBe('only text here')
    expect((await instance.decide(message('hello', '@TGS#2ABCDEF'))).action).toBe('allow')
  })

  it('gift-limit: denies huge gifts and the 11th gift of a user in a minute', async () => {
    const instance = await setUp('gift-limit')
    const gift = (Coins: number | string) =>
      sampleEvent({
        command: 'Live.CallbackBeforeSendGift',
        payload: { RoomId: 'r', GiftWater: { From_Account: 'u1', To_Account: ['h'], GiftId: 'g', Count: 1, Coins } },
      })
    expect((await instance.decide(gift('50001'))).errorCode).toBe(102102)
    for (let i = 0; i < 10; i++) expect((await instance.decide(gift(5))).action).toBe('allow')
    expect(await instance.decide(gift(5))).toEqual({ action: 'deny', errorCode: 102101, errorInfo: 'too many gifts, slow down' })
  })
})
