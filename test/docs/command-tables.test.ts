/**
 * The docs' command tables agree with the registry (docs/design.md §8.3): docs/http.md's
 * payload-check table is made from it (run with UPDATE_DOCS=1 to rewrite it), and every Tencent
 * command the README and docs/ name is one the gateway knows.
 */
import { describe, expect, it } from 'bun:test'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { COMMANDS, REGISTRY } from '../../src/tencent/commands/index.ts'
import { BEFORE_COMMANDS } from '../../src/tencent/decisions.ts'
import { TRTC_COMMANDS } from '../../src/tencent/trtc.ts'
import { payloadChecksTable } from '../helpers/commands.ts'
import { REPO } from '../helpers/gateway.ts'

const START = '<!-- payload-checks:start (generated from src/tencent/commands/) -->'
const END = '<!-- payload-checks:end -->'

/** Names the docs use that are not callbacks, or are spellings the docs discuss. */
const NOT_COMMANDS = new Set(['Live.CallbackBeforeCallBackNotBlock', 'Live.CallbackMemberStateChanged', 'Room.CallbackUpdateRoomInfo'])
const PREFIX = /`((?:Live|Mic|Room|Group|C2C|Sns|Follow|State|Profile|Alert|Push|Bot|Chatbot|Call|ContentCallback|OfficialAccount|TRTC)\.[A-Za-z0-9.]+)`/g

describe('command tables in the docs', () => {
  it("docs/http.md's payload-check table is the registry's", () => {
    const path = join(REPO, 'docs/http.md')
    const text = readFileSync(path, 'utf8')
    const table = payloadChecksTable(COMMANDS)
    const start = text.indexOf(START)
    const end = text.indexOf(END)
    expect(start).toBeGreaterThan(0)
    expect(end).toBeGreaterThan(start)
    const current = text.slice(start + START.length, end).trim()
    if (process.env.UPDATE_DOCS === '1' && current !== table) writeFileSync(path, `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`)
    else expect(current).toBe(table)
  })

  it('names only commands the gateway knows, in the README and docs/', () => {
    const known = new Set([...REGISTRY.keys(), ...BEFORE_COMMANDS.keys(), ...TRTC_COMMANDS.map((c) => c.command)])
    const files = [
      'README.md',
      ...readdirSync(join(REPO, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ]
    const unknown: string[] = []
    for (const file of files) {
      for (const [, name] of readFileSync(join(REPO, file), 'utf8').matchAll(PREFIX)) {
        // TRTC.<Group>.Event<N> is how an unknown TRTC event type is named, not a command.
        if (name!.endsWith('.') || /\.Event\d+$/.test(name!) || NOT_COMMANDS.has(name!) || known.has(name!)) continue
        unknown.push(`${file}: ${name}`)
      }
    }
    expect(unknown).toEqual([])
  })
})
