import { describe, expect, it } from 'bun:test'
import { beforeCommand, BEFORE_COMMANDS, fallbackAnswer, renderDecision } from '../../src/tencent/decisions.ts'

const gift = beforeCommand('Live.CallbackBeforeSendGift')!
const groupMsg = beforeCommand('Group.CallbackBeforeSendMsg')!
const c2c = beforeCommand('C2C.CallbackBeforeSendMsg')!
const invite = beforeCommand('Group.CallbackBeforeInviteJoinGroup')!
const friend = beforeCommand('Sns.CallbackPrevFriendAdd')!

const body = (spec: typeof gift, decision: unknown) => {
  const rendered = renderDecision(spec, decision)
  if (!rendered.ok) throw new Error(rendered.reason)
  return rendered.answer.body
}
const reason = (spec: typeof gift, decision: unknown) => {
  const rendered = renderDecision(spec, decision)
  if (rendered.ok) throw new Error(`expected a refusal, got ${rendered.answer.body}`)
  return rendered.reason
}

describe('the Before command table', () => {
  it('knows where each command came from, and which fail closed', () => {
    for (const spec of BEFORE_COMMANDS.values()) expect(spec.page).toMatch(/^https:\/\//)
    expect(gift.noAnswer).toBe('deny')
    expect([...BEFORE_COMMANDS.values()].filter((s) => s.noAnswer === 'deny').map((s) => s.command)).toEqual(['Live.CallbackBeforeSendGift'])
  })

  it('treats an unknown command named like a Before callback as one that allows or refuses only', () => {
    const unknown = beforeCommand('Foo.CallbackBeforeThing')!
    expect(unknown.drop).toBe(false)
    expect(body(unknown, { action: 'deny' })).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}')
    expect(reason(unknown, { action: 'deny', errorCode: 10101 })).toContain('no pass-through range')
    expect(beforeCommand('Live.CallbackAfterDestroyRoom')).toBeUndefined()
  })
})

describe('renderDecision', () => {
  it('renders allow, deny and drop in the contract key order', () => {
    expect(body(gift, { action: 'allow' })).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}')
    expect(body(gift, { action: 'deny' })).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}')
    expect(body(gift, { action: 'deny', errorCode: 102150, errorInfo: 'no coins' })).toBe('{"ActionStatus":"OK","ErrorInfo":"no coins","ErrorCode":102150}')
    expect(body(groupMsg, { action: 'drop' })).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":2}')
  })

  it('holds each command to its own pass-through range', () => {
    expect(body(groupMsg, { action: 'deny', errorCode: 10100 })).toContain('"ErrorCode":10100')
    expect(body(groupMsg, { action: 'deny', errorCode: 10200 })).toContain('"ErrorCode":10200')
    expect(reason(groupMsg, { action: 'deny', errorCode: 10201 })).toContain('[10100, 10200]')
    expect(reason(gift, { action: 'deny', errorCode: 10100 })).toContain('[102100, 102200]')
    expect(body(c2c, { action: 'deny', errorCode: 120001 })).toContain('"ErrorCode":120001')
    expect(reason(c2c, { action: 'deny', errorCode: 2 })).toContain('not 2')
    expect(reason(gift, { action: 'deny', errorCode: 1.5 })).toContain('integer')
  })

  it('drops only where the command defines it', () => {
    expect(reason(gift, { action: 'drop' })).toContain('defines no drop')
    expect(reason(invite, { action: 'drop' })).toContain('defines no drop')
  })

  it('rewrites with the fields the command defines, in the order given', () => {
    const msgBody = [{ MsgType: 'TIMTextElem', MsgContent: { Text: '***' } }]
    expect(body(c2c, { action: 'modify', fields: { CloudCustomData: 'x', MsgBody: msgBody } })).toBe(
      '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"CloudCustomData":"x","MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"***"}}]}',
    )
    expect(body(invite, { action: 'modify', fields: { RefusedMembers_Account: ['u2'] } })).toBe(
      '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RefusedMembers_Account":["u2"]}',
    )
    expect(body(friend, { action: 'modify', fields: { ResultItem: [{ To_Account: 'b', ResultCode: 38001, ResultInfo: 'no' }] } })).toContain(
      '"ResultCode":38001',
    )
  })

  it('refuses fields the command does not have, of the wrong shape, or without modify', () => {
    expect(reason(gift, { action: 'modify', fields: { MsgBody: [] } })).toContain('no field MsgBody')
    expect(reason(groupMsg, { action: 'modify', fields: { RefusedMembers_Account: ['a'] } })).toContain('may carry MsgBody, CloudCustomData')
    expect(reason(groupMsg, { action: 'modify', fields: { MsgBody: [{ MsgContent: {} }] } })).toContain('fields.MsgBody')
    expect(reason(groupMsg, { action: 'modify', fields: { CloudCustomData: 5 } })).toContain('fields.CloudCustomData')
    expect(reason(friend, { action: 'modify', fields: { ResultItem: [{ To_Account: 'b', ResultCode: 5 }] } })).toContain('ResultItem')
    expect(reason(groupMsg, { action: 'allow', fields: { CloudCustomData: 'x' } })).toContain('only with action modify')
    expect(reason(groupMsg, { action: 'modify' })).toContain('needs fields')
  })

  it('refuses what is not a decision', () => {
    expect(reason(gift, null)).toContain('not an object')
    expect(reason(gift, 'allow')).toContain('not an object')
    expect(reason(gift, { action: 'maybe' })).toContain('allow, deny, drop or modify')
    expect(reason(gift, { action: 'allow', errorCode: 1 })).toContain('ErrorCode 0')
    expect(reason(gift, { action: 'deny', errorInfo: 7 })).toContain('errorInfo')
    expect(reason(gift, { action: 'deny', errorInfo: 'x'.repeat(2000) })).toContain('errorInfo')
  })

  it('has fixed fallback answers', () => {
    expect(fallbackAnswer('allow').body).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}')
    expect(fallbackAnswer('deny').body).toBe('{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":1}')
  })
})

describe('relayed answers', () => {
  it('accepts big integers kept exact as raw JSON, and writes their digits back', async () => {
    const { parseExact } = await import('../../src/exact-json.ts')
    const fields = parseExact('{"RefusedMembers_Account":[144115216631667826123,"u2"]}') as Record<string, unknown>
    expect(body(invite, { action: 'modify', fields })).toBe(
      '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RefusedMembers_Account":[144115216631667826123,"u2"]}',
    )
  })
})
