/**
 * The command registry (docs/design.md §8.3): every entry is complete, every sample passes its
 * schema, each command's first documented required field with a wrong type is reported by
 * name, and the docs' quirks (§8.6) stay accepted.
 */
import { describe, expect, it } from 'bun:test'
import { checkPayload, COMMANDS, KNOWN_COMMANDS, REGISTRY, sampleBody } from '../../src/tencent/commands/index.ts'
import { BEFORE_COMMANDS } from '../../src/tencent/decisions.ts'
import { parseLossless } from '../../src/tencent/lossless-json.ts'
import { mutated, requiredFields } from '../helpers/commands.ts'

describe('the registry', () => {
  it('has one entry per command, each with a product, kind, one-line meaning and page', () => {
    expect(new Set(KNOWN_COMMANDS).size).toBe(COMMANDS.length)
    expect(COMMANDS.length).toBeGreaterThanOrEqual(70)
    for (const entry of COMMANDS) {
      expect(entry.command).toMatch(/^[A-Za-z0-9]+\.[A-Za-z0-9]+$/)
      expect(['Chat', 'Live', 'Room']).toContain(entry.product)
      expect(['before', 'after']).toContain(entry.kind)
      expect(entry.meaning.length).toBeGreaterThan(5)
      expect(entry.meaning).not.toContain('\n')
      expect(entry.page).toMatch(/^https:\/\/(trtc\.io\/document|www\.tencentcloud\.com\/document\/product\/(1047|647))\/\d+$/)
      expect(requiredFields(entry).length).toBeGreaterThan(0)
    }
  })

  it('covers Live, Room and Chat, and every Before command decisions.ts answers, with the same page', () => {
    const products = new Set(COMMANDS.map((entry) => entry.product))
    expect([...products].sort()).toEqual(['Chat', 'Live', 'Room'])
    for (const [command, spec] of BEFORE_COMMANDS) {
      expect(REGISTRY.get(command)?.kind).toBe('before')
      expect(REGISTRY.get(command)?.page).toBe(spec.page)
    }
    for (const entry of COMMANDS.filter((e) => e.kind === 'before')) expect(BEFORE_COMMANDS.has(entry.command)).toBe(true)
  })

  it('names the command in each sample body, except where the page sends none (Push, moderation)', () => {
    const without = COMMANDS.filter((entry) => entry.sample.CallbackCommand === undefined).map((entry) => entry.command)
    expect(without.sort()).toEqual(['ContentCallback.ResultNotify', 'Push.AllMemberPush', 'Push.OfflinePush'])
  })
})

describe('samples and schemas', () => {
  for (const entry of COMMANDS) {
    it(`${entry.command}: the sample passes; ${requiredFields(entry)[0]} of a wrong type is reported`, () => {
      // Through JSON and the lossless parser, as the gateway reads a body.
      const sample = parseLossless(JSON.stringify(sampleBody(entry.command, 1_700_000_000_000)))
      expect(checkPayload(entry.command, sample)).toBeUndefined()
      const { field, body } = mutated(entry)
      expect(checkPayload(entry.command, body)).toStartWith(`${field}: `)
      // A documented required field may not be missing either.
      const missing = structuredClone(entry.sample)
      delete missing[field]
      expect(checkPayload(entry.command, missing)).toStartWith(`${field}: `)
    })
  }

  it('accepts extra fields anywhere, and a body CallbackCommand only when it is the command', () => {
    const entry = REGISTRY.get('Group.CallbackAfterSendMsg')!
    expect(checkPayload(entry.command, { ...entry.sample, NewField: { x: [1] } })).toBeUndefined()
    expect(checkPayload(entry.command, { ...entry.sample, CallbackCommand: 'Group.CallbackBeforeSendMsg' })).toStartWith('CallbackCommand: ')
  })

  it('accepts any unknown command untyped', () => {
    expect(checkPayload('Group.CallbackAfterSomethingNew', { anything: 1 })).toBeUndefined()
    expect(checkPayload('constructor', {})).toBeUndefined()
  })
})

describe('sampleBody', () => {
  it("sets EventTime to now in the sample's own form, and returns a copy", () => {
    expect(sampleBody('Live.CallbackAfterDestroyRoom', 42).EventTime).toBe(42)
    expect(sampleBody('Group.CallbackAfterSendMsg', 42).EventTime).toBe('42')
    expect(sampleBody('Live.CallbackBeforeSendGift', 42).EventTime).toBeUndefined()
    const body = sampleBody('Live.CallbackAfterDestroyRoom') as { RoomInfo: { RoomName: string } }
    body.RoomInfo.RoomName = 'changed'
    expect((REGISTRY.get('Live.CallbackAfterDestroyRoom')!.sample.RoomInfo as { RoomName: string }).RoomName).toBe('demo')
  })

  it('gives an unknown command its name and an EventTime', () => {
    expect(sampleBody('X.Unknown', 7)).toEqual({ CallbackCommand: 'X.Unknown', EventTime: 7 })
  })
})

describe('quirks of the docs (docs/design.md §8.6)', () => {
  it("State.StateChange takes the upper-case IOS platform in the body's KickedDevice", () => {
    const body = { ...REGISTRY.get('State.StateChange')!.sample, KickedDevice: [{ Platform: 'IOS' }] }
    expect(checkPayload('State.StateChange', body)).toBeUndefined()
  })

  it('account ids above 2^53 arrive as bare integers and pass as exact digit strings', () => {
    const call = parseLossless(
      '{"CallbackCommand":"Call.CallbackAfterStartCall","UserList":[{"User_Account":144115212830834855,"Status":"Calling"}],"EventTime":1740464128807}',
    ) as { UserList: Array<{ User_Account: unknown }> }
    expect(call.UserList[0]!.User_Account).toBe('144115212830834855')
    expect(checkPayload('Call.CallbackAfterStartCall', call)).toBeUndefined()
    const room = parseLossless('{"Operator_Account":144115216631667826,"RoomId":"r","EventType":"DestroyBySystem","EventTime":1703589922780}')
    expect(checkPayload('Live.CallbackAfterDestroyRoom', room)).toBeUndefined()
    expect(checkPayload('Live.CallbackAfterChangeOwner', { ...REGISTRY.get('Live.CallbackAfterChangeOwner')!.sample, CurrentOwner_Account: 7 })).toBeUndefined()
  })

  it('EventTime may be a digit string, never other text or a negative number', () => {
    const sample = REGISTRY.get('Group.CallbackAfterMemberFieldChanged')!.sample
    expect(checkPayload('Group.CallbackAfterMemberFieldChanged', { ...sample, EventTime: '1670574414123' })).toBeUndefined()
    expect(checkPayload('Group.CallbackAfterMemberFieldChanged', { ...sample, EventTime: 'yesterday' })).toStartWith('EventTime: ')
    expect(checkPayload('Live.CallbackAfterDestroyRoom', { ...REGISTRY.get('Live.CallbackAfterDestroyRoom')!.sample, EventTime: -1 })).toStartWith(
      'EventTime: ',
    )
  })

  it('a count the table types String or Array and the sample sends as an integer passes in every form', () => {
    const sample = REGISTRY.get('Live.CallbackAfterCreateRoomReachingThreshold')!.sample
    for (const value of [400, '400', [400]]) expect(checkPayload(sample.CallbackCommand as string, { ...sample, CurRoomCount: value })).toBeUndefined()
  })

  it("Room's update sample quotes a boolean; both forms pass, other text does not", () => {
    const sample = REGISTRY.get('Room.CallbackAfterUpdateRoomInfo')!.sample as { RoomInfo: Record<string, unknown> }
    const withValue = (v: unknown) => ({ ...sample, RoomInfo: { ...sample.RoomInfo, IsCloudRecordingDisabled: v } })
    expect(checkPayload('Room.CallbackAfterUpdateRoomInfo', withValue(false))).toBeUndefined()
    expect(checkPayload('Room.CallbackAfterUpdateRoomInfo', withValue('false'))).toBeUndefined()
    expect(checkPayload('Room.CallbackAfterUpdateRoomInfo', withValue('no'))).toStartWith('RoomInfo.IsCloudRecordingDisabled: ')
  })
})
