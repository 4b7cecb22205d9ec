import { describe, expect, it } from 'bun:test'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { GatewayEvent } from '../../src/plugin.ts'
import { cleanupAfterEach, sampleEvent, setupPlugin, type HarnessResult } from '../../test/helpers/plugin-harness.ts'
import rules from './index.ts'

const cleanups = cleanupAfterEach()

async function start(options: Record<string, unknown>, configDir?: string): Promise<HarnessResult> {
  const harness = await setupPlugin(rules, options, { configDir })
  cleanups.push(() => harness.remove())
  return harness
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rules-test-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function groupMessage(...texts: string[]): GatewayEvent {
  const MsgBody = texts.map((Text) => ({ MsgType: 'TIMTextElem', MsgContent: { Text } }))
  return sampleEvent({ command: 'Group.CallbackBeforeSendMsg', payload: { From_Account: 'alice', GroupId: '@TGS#1', MsgBody } })
}

function gift(from: string, GiftWater: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): GatewayEvent {
  return sampleEvent({
    command: 'Live.CallbackBeforeSendGift',
    payload: {
      Operator_Account: from,
      RoomId: 'room1',
      GiftWater: { From_Account: from, To_Account: ['host'], GiftId: 'rose', Count: 1, Coins: 10, ...GiftWater },
      ...extra,
    },
  })
}

const MODERATION = {
  wordLists: { banned: ['scam', 'free coins', '骗子'] },
  rules: [
    {
      name: 'banned-words',
      commands: ['Group.CallbackBeforeSendMsg', 'C2C.CallbackBeforeSendMsg'],
      if: [{ field: 'MsgBody[].MsgContent.Text', containsWord: 'banned' }],
      then: { action: 'deny', errorCode: 10101, errorInfo: 'message refused' },
    },
  ],
}

describe('rules: moderation', () => {
  it('denies a message when one of several texts holds a banned word, with the configured code', async () => {
    const { instance } = await start(MODERATION)
    expect(await instance.decide(groupMessage('hello', 'this is a SCAM!', 'bye'))).toEqual({ action: 'deny', errorCode: 10101, errorInfo: 'message refused' })
    expect(await instance.decide(groupMessage('hello', 'how are you?'))).toEqual({ action: 'allow' })
  })

  it('matches whole words and phrases only, case-insensitively', async () => {
    const { instance } = await start(MODERATION)
    const action = async (text: string) => (await instance.decide(groupMessage(text))).action
    expect(await action('what a scammer')).toBe('allow')
    expect(await action('scams')).toBe('allow')
    expect(await action('"Scam", he said')).toBe('deny')
    expect(await action('get FREE\n  coins here')).toBe('deny')
    expect(await action('freecoins')).toBe('allow')
    expect(await action('他是骗子吗')).toBe('deny')
  })

  it('applies a rule only to the commands it names', async () => {
    const { instance } = await start(MODERATION)
    const event = sampleEvent({ command: 'Group.CallbackBeforeCreateGroup', payload: { MsgBody: [{ MsgContent: { Text: 'scam' } }] } })
    expect(await instance.decide(event)).toEqual({ action: 'allow' })
    const c2c = sampleEvent({ command: 'C2C.CallbackBeforeSendMsg', payload: { MsgBody: [{ MsgContent: { Text: 'scam' } }] } })
    expect((await instance.decide(c2c)).action).toBe('deny')
  })

  it('matches command patterns with *', async () => {
    const { instance } = await start({ rules: [{ commands: ['*.CallbackBeforeSendMsg'], then: { action: 'deny' } }] })
    expect((await instance.decide(groupMessage('hi'))).action).toBe('deny')
    expect((await instance.decide(gift('bob'))).action).toBe('allow')
  })

  it('drops a message whose text matches a regex', async () => {
    const { instance } = await start({
      rules: [{ name: 'phone', if: [{ field: 'MsgBody[].MsgContent.Text', matches: '(?<!\\d)1[3-9]\\d{9}(?!\\d)' }], then: { action: 'drop' } }],
    })
    expect(await instance.decide(groupMessage('call me', 'at 13812345678 tonight'))).toEqual({ action: 'drop', errorInfo: 'refused by rule phone' })
    expect((await instance.decide(groupMessage('order 1381234567800'))).action).toBe('allow')
  })

  it('lets the first rule that fires decide, and falls back to default', async () => {
    const { instance } = await start({
      rules: [
        { name: 'first', if: [{ field: 'GroupId', equals: '@TGS#1' }], then: { action: 'deny', errorCode: 10110 } },
        { name: 'second', then: { action: 'drop' } },
      ],
      default: { action: 'deny', errorCode: 1 },
    })
    expect(await instance.decide(groupMessage('hi'))).toEqual({ action: 'deny', errorCode: 10110, errorInfo: 'refused by rule first' })
    expect((await instance.decide(gift('bob'))).action).toBe('drop')
    const { instance: none } = await start({ rules: [], default: { action: 'deny', errorCode: 102150, errorInfo: 'closed' } })
    expect(await none.decide(gift('bob'))).toEqual({ action: 'deny', errorCode: 102150, errorInfo: 'closed' })
  })

  it('answers modify with its fields, and hands out a fresh decision each time', async () => {
    const fields = { CloudCustomData: 'flagged' }
    const { instance } = await start({ rules: [{ if: [{ field: 'MsgBody[].MsgContent.Text', contains: 'LINK' }], then: { action: 'modify', fields } }] })
    const first = await instance.decide(groupMessage('see link'))
    expect(first).toEqual({ action: 'modify', fields })
    ;(first as { action: string }).action = 'deny'
    expect(await instance.decide(groupMessage('see link'))).toEqual({ action: 'modify', fields })
  })

  it('logs the rule that fired at debug, never the message text', async () => {
    const harness = await start(MODERATION)
    await harness.instance.decide(groupMessage('secret scam words'))
    await harness.instance.decide(groupMessage('clean'))
    const lines = harness.logLines.map((line) => JSON.parse(line))
    expect(lines.find((line) => line.msg === 'rule fired')).toMatchObject({ level: 'debug', rule: 'rules[0] (banned-words)', action: 'deny' })
    expect(lines.find((line) => line.msg === 'no rule fired')).toMatchObject({ level: 'debug', action: 'allow' })
    expect(lines.find((line) => line.msg === 'rules ready')).toMatchObject({ level: 'info', rules: 1, wordLists: { banned: 3 } })
    const text = harness.logLines.join('\n')
    expect(text).not.toContain('secret')
    expect(text).not.toContain('free coins')
  })
})

describe('rules: operators', () => {
  const decideWith = async (condition: Record<string, unknown>, events: GatewayEvent[]) => {
    const { instance } = await start({ rules: [{ if: [condition], then: { action: 'deny' } }] })
    return Promise.all(events.map(async (event) => (await instance.decide(event)).action))
  }

  it('compares big-integer digit strings numerically and exactly', async () => {
    // Both values are the same double: only an exact comparison tells them apart.
    const condition = { field: 'GiftWater.Coins', gt: '144115216631667826' }
    const events = [gift('a', { Coins: '144115216631667827' }), gift('b', { Coins: '144115216631667826' }), gift('c', { Coins: 1000 })]
    expect(await decideWith(condition, events)).toEqual(['deny', 'allow', 'allow'])
  })

  it('compares numbers and digit strings with gte, lt and lte', async () => {
    const events = [gift('a', { Coins: 100 }), gift('b', { Coins: '99' }), gift('c', { Coins: '250.5' }), gift('d', { Coins: 'lots' })]
    expect(await decideWith({ field: 'GiftWater.Coins', gte: 100 }, events)).toEqual(['deny', 'allow', 'deny', 'allow'])
    expect(await decideWith({ field: 'GiftWater.Coins', lt: 100 }, events)).toEqual(['allow', 'deny', 'allow', 'allow'])
    expect(await decideWith({ field: 'GiftWater.Coins', lte: '250.5' }, events)).toEqual(['deny', 'deny', 'deny', 'allow'])
  })

  it('matches `in` and `equals` by value across numbers and digit strings, and text exactly', async () => {
    const events = [gift('a', { GiftId: 7 }), gift('b', { GiftId: '7' }), gift('c', { GiftId: '007' }), gift('d', { GiftId: 'rose' })]
    expect(await decideWith({ field: 'GiftWater.GiftId', in: ['7', 'lily'] }, events)).toEqual(['deny', 'deny', 'allow', 'allow'])
    expect(await decideWith({ field: 'GiftWater.GiftId', equals: 7 }, events)).toEqual(['deny', 'deny', 'deny', 'allow'])
    expect(await decideWith({ field: 'GiftWater.GiftId', in: ['rose', 'lily'] }, events)).toEqual(['allow', 'allow', 'allow', 'deny'])
  })

  it('holds over an array when any element satisfies it, or every element with every: true', async () => {
    const image = { MsgType: 'TIMImageElem', MsgContent: { URL: 'x' } }
    const mixed = sampleEvent({ command: 'Group.CallbackBeforeSendMsg', payload: { MsgBody: [groupMessage('hi').payload.MsgBody, image].flat() } })
    const text = groupMessage('a', 'b')
    const empty = sampleEvent({ command: 'Group.CallbackBeforeSendMsg', payload: { MsgBody: [] } })
    const events = [mixed, text, empty]
    expect(await decideWith({ field: 'MsgBody[].MsgType', equals: 'TIMTextElem' }, events)).toEqual(['deny', 'deny', 'allow'])
    expect(await decideWith({ field: 'MsgBody[].MsgType', equals: 'TIMTextElem', every: true }, events)).toEqual(['allow', 'deny', 'allow'])
    expect(await decideWith({ field: 'MsgBody[1].MsgType', equals: 'TIMImageElem' }, events)).toEqual(['deny', 'allow', 'allow'])
  })

  it('negates a condition with not: true, a missing field included', async () => {
    const events = [gift('a', {}, { CloudCustomData: '{"vip":true}' }), gift('b', {}, { CloudCustomData: 'plain' }), gift('c')]
    expect(await decideWith({ field: 'CloudCustomData', contains: '"VIP"', not: true }, events)).toEqual(['allow', 'deny', 'deny'])
    expect(await decideWith({ field: 'CloudCustomData', contains: '"VIP"', caseSensitive: true }, events)).toEqual(['allow', 'allow', 'allow'])
    const notEvery = { field: 'GiftWater.To_Account[]', equals: 'host', every: true, not: true }
    expect(await decideWith(notEvery, [gift('a', { To_Account: ['host', 'guest'] }), gift('b', { To_Account: ['host'] })])).toEqual(['deny', 'allow'])
  })

  it('tests presence with exists, where a missing field fails every other operator', async () => {
    const events = [gift('a', {}, { CloudCustomData: '' }), gift('b'), gift('c', {}, { CloudCustomData: null })]
    expect(await decideWith({ field: 'CloudCustomData', exists: true }, events)).toEqual(['deny', 'allow', 'allow'])
    expect(await decideWith({ field: 'CloudCustomData', exists: false }, events)).toEqual(['allow', 'deny', 'deny'])
    expect(await decideWith({ field: 'CloudCustomData', matches: '^$' }, events)).toEqual(['deny', 'allow', 'allow'])
    expect(await decideWith({ field: 'GiftWater.constructor', exists: true }, events)).toEqual(['allow', 'allow', 'allow'])
  })

  it('requires every condition of a rule to hold', async () => {
    const { instance } = await start({
      rules: [
        {
          if: [
            { field: 'GiftWater.GiftId', equals: 'rocket' },
            { field: 'GiftWater.Count', gt: 5 },
          ],
          then: { action: 'deny', errorCode: 102101 },
        },
      ],
    })
    expect((await instance.decide(gift('a', { GiftId: 'rocket', Count: 6 }))).action).toBe('deny')
    expect((await instance.decide(gift('a', { GiftId: 'rocket', Count: 5 }))).action).toBe('allow')
    expect((await instance.decide(gift('a', { GiftId: 'rose', Count: 6 }))).action).toBe('allow')
  })
})

describe('rules: word list files', () => {
  it('reads one word per line relative to the config folder, skipping comments and blank lines', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'banned.txt'), '\uFEFF# moderation list\r\nscam\r\n\r\n  Free Coins  \n# not-a-word\n')
    const { instance } = await start({ wordLists: { banned: { file: './banned.txt' } }, rules: MODERATION.rules }, dir)
    const action = async (text: string) => (await instance.decide(groupMessage(text))).action
    expect(await action('free coins!')).toBe('deny')
    expect(await action('a scam')).toBe('deny')
    expect(await action('not-a-word')).toBe('allow')
    expect(await action('moderation list')).toBe('allow')
  })

  it('fails setup naming the list when the file is missing or holds no words', async () => {
    const dir = await tempDir()
    const missing = await start({ wordLists: { banned: { file: 'nope.txt' } }, rules: MODERATION.rules }, dir).catch((error: Error) => error)
    // Only the file's problem: the rule naming the list is not reported as naming an unknown one.
    expect((missing as Error).message).toEndWith(`options.wordLists.banned: cannot read ${join(dir, 'nope.txt')}: ENOENT`)
    await writeFile(join(dir, 'empty.txt'), '# only a comment\n\n')
    await expect(start({ wordLists: { banned: { file: 'empty.txt' } } }, dir)).rejects.toThrow('wordLists.banned: has no words')
  })
})

describe('rules: rate limit', () => {
  const limited = (perSeconds: number, extra: Record<string, unknown> = {}) => ({
    rules: [
      {
        name: 'gift-rate',
        commands: ['Live.CallbackBeforeSendGift'],
        limit: { by: 'GiftWater.From_Account', max: 3, perSeconds },
        then: { action: 'deny', errorCode: 102101, errorInfo: 'too many gifts, slow down' },
        ...extra,
      },
    ],
  })

  it('denies the 4th event of a user in the window, not another user, and allows again after it', async () => {
    const { instance } = await start(limited(0.3))
    const actions = async (from: string, n: number) => Promise.all(Array.from({ length: n }, async () => (await instance.decide(gift(from))).action))
    expect(await actions('alice', 4)).toEqual(['allow', 'allow', 'allow', 'deny'])
    expect(await instance.decide(gift('alice'))).toEqual({ action: 'deny', errorCode: 102101, errorInfo: 'too many gifts, slow down' })
    expect(await actions('bob', 3)).toEqual(['allow', 'allow', 'allow'])
    await sleep(350)
    expect(await actions('alice', 4)).toEqual(['allow', 'allow', 'allow', 'deny'])
  })

  it('keeps the window sliding: an event counts for exactly perSeconds after it', async () => {
    const { instance } = await start(limited(0.6))
    const action = async () => (await instance.decide(gift('alice'))).action
    expect(await action()).toBe('allow')
    await sleep(300)
    expect([await action(), await action(), await action()]).toEqual(['allow', 'allow', 'deny'])
    // The first event has left the window, the two at ~300 ms have not: one more fits.
    await sleep(400)
    expect([await action(), await action()]).toEqual(['allow', 'deny'])
  })

  it('counts only events for which the rule`s conditions hold, and never limits an event without a key', async () => {
    const { instance } = await start(limited(60, { if: [{ field: 'GiftWater.Coins', gte: 100 }] }))
    for (let i = 0; i < 5; i++) expect((await instance.decide(gift('alice', { Coins: 1 }))).action).toBe('allow')
    const big = async () => (await instance.decide(gift('alice', { Coins: 500 }))).action
    expect([await big(), await big(), await big(), await big()]).toEqual(['allow', 'allow', 'allow', 'deny'])
    for (const GiftWater of [{ Coins: 500 }, { Coins: 500, From_Account: '' }, { Coins: 500, From_Account: { id: 'x' } }]) {
      const anonymous = sampleEvent({ command: 'Live.CallbackBeforeSendGift', payload: { GiftWater } })
      for (let i = 0; i < 5; i++) expect((await instance.decide(anonymous)).action).toBe('allow')
    }
  })
})
