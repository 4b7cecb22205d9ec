import { describe, expect, it } from 'bun:test'
import { commandMatcher, compileRoutes } from '../../src/routing/match.ts'

const destroy = { CallbackCommand: 'Live.CallbackAfterDestroyRoom', RoomId: 'r', EventType: 'DestroyByUser', RoomInfo: { RoomType: 'Live' } }
const all = new Set(['a', 'b', 'c', 'off'])

describe('commandMatcher', () => {
  it('matches exact names, prefixes and everything', () => {
    expect(commandMatcher('Live.CallbackAfterDestroyRoom')('Live.CallbackAfterDestroyRoom')).toBe(true)
    expect(commandMatcher('Live.CallbackAfterDestroyRoom')('Live.CallbackAfterDestroyRoomX')).toBe(false)
    expect(commandMatcher('Live.*')('Live.CallbackAfterCreateRoom')).toBe(true)
    expect(commandMatcher('Live.*')('Mic.CallbackAfterSeatInfoChanged')).toBe(false)
    expect(commandMatcher('*.CallbackAfter*Room')('Live.CallbackAfterDestroyRoom')).toBe(true)
    expect(commandMatcher('*')('anything')).toBe(true)
  })

  it('treats dots literally', () => {
    expect(commandMatcher('Live.*')('LiveXCallback')).toBe(false)
  })
})

describe('compileRoutes', () => {
  it('gives an event to every matching route, each instance once, in route order', () => {
    const table = compileRoutes(
      [
        { match: 'Live.*', to: ['b', 'a'] },
        { match: 'Live.CallbackAfterDestroyRoom', to: ['a', 'c'] },
        { match: 'Mic.*', to: ['off'] },
      ],
      all,
    )
    expect(table.targetsFor('Live.CallbackAfterDestroyRoom', destroy)).toEqual(['b', 'a', 'c'])
  })

  it('applies where filters: equals, one of a list, dotted paths', () => {
    const table = compileRoutes(
      [
        { match: '*', where: { EventType: 'DestroyBySystem' }, to: ['a'] },
        { match: '*', where: { EventType: ['DestroyByUser', 'Other'] }, to: ['b'] },
        { match: '*', where: { 'RoomInfo.RoomType': 'Live', EventType: 'DestroyByUser' }, to: ['c'] },
      ],
      all,
    )
    expect(table.targetsFor('Live.CallbackAfterDestroyRoom', destroy)).toEqual(['b', 'c'])
    expect(table.targetsFor('Live.CallbackAfterDestroyRoom', { ...destroy, EventType: 'DestroyBySystem' })).toEqual(['a'])
  })

  it('compares numbers and digit strings as text (big ids arrive as strings)', () => {
    const table = compileRoutes(
      [
        { match: '*', where: { Owner: 144115216631667826n.toString() }, to: ['a'] },
        { match: '*', where: { Count: 3 }, to: ['b'] },
      ],
      all,
    )
    expect(table.targetsFor('x', { Owner: '144115216631667826', Count: '3' })).toEqual(['a', 'b'])
    expect(table.targetsFor('x', { Owner: { nested: true } })).toEqual([])
  })

  it('skips disabled instances and unrouted commands', () => {
    const table = compileRoutes([{ match: 'Live.CallbackAfterDestroyRoom', to: ['a', 'off'] }], new Set(['a']))
    expect(table.targetsFor('Live.CallbackAfterDestroyRoom', destroy)).toEqual(['a'])
    expect(table.targetsFor('Live.CallbackAfterCreateRoom', destroy)).toEqual([])
  })
})
