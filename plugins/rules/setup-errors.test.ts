import { describe, expect, it } from 'bun:test'
import { cleanupAfterEach, setupPlugin } from '../../test/helpers/plugin-harness.ts'
import rules from './index.ts'

const cleanups = cleanupAfterEach()

async function start(options: Record<string, unknown>) {
  const harness = await setupPlugin(rules, options)
  cleanups.push(() => harness.remove())
  return harness
}

describe('rules: setup errors', () => {
  const failsWith = async (options: Record<string, unknown>, ...messages: string[]) => {
    const error = await start(options).then(
      () => undefined,
      (error: Error) => error,
    )
    expect(error).toBeInstanceOf(Error)
    for (const message of messages) expect(error!.message).toContain(message)
  }
  const rule = (extra: Record<string, unknown>) => ({ rules: [{ name: 'r', then: { action: 'deny' }, ...extra }] })

  it('names an unknown word list, suggesting the closest', async () => {
    await failsWith(
      { wordLists: { banned: ['x'] }, rules: [{ name: 'words', if: [{ field: 'Text', containsWord: 'baned' }], then: { action: 'deny' } }] },
      'rules[0] (words): if[0]: containsWord: unknown word list "baned"; did you mean "banned"?',
    )
  })

  it('names the rule of an invalid regex', async () => {
    await failsWith(
      { rules: [{ then: { action: 'allow' } }, { name: 'bad', if: [{ field: 'Text', matches: '(unclosed' }], then: { action: 'drop' } }] },
      'rules[1] (bad): if[0]: matches: invalid regular expression "(unclosed"',
    )
  })

  it('rejects an unknown action with its path, modify without fields, and fields without modify', async () => {
    await failsWith(rule({ then: { action: 'block' } }), 'rules[0].then.action: Expected one of "allow", "deny", "drop", "modify"')
    await failsWith(rule({ then: { action: 'modify' } }), 'rules[0] (r): then: action modify needs fields')
    await failsWith(rule({ then: { action: 'modify', fields: {} } }), 'rules[0] (r): then: action modify needs fields')
    await failsWith(rule({ then: { action: 'deny', fields: { MsgBody: [] } } }), 'rules[0] (r): then: fields apply to action modify only')
    await failsWith({ default: { action: 'modify' } }, 'options.default: action modify needs fields')
  })

  it('asks for exactly one operator per condition', async () => {
    await failsWith(rule({ if: [{ field: 'A', equals: 1, contains: 'x' }] }), 'rules[0] (r): if[0]: give exactly one operator', '(found equals, contains)')
    await failsWith(rule({ if: [{ field: 'A' }] }), '(found none)')
  })

  it('rejects misplaced modifiers, malformed paths and a limit key with []', async () => {
    await failsWith(rule({ if: [{ field: 'A', equals: 'x', every: true }] }), 'if[0]: every applies to a field with [] in its path')
    await failsWith(rule({ if: [{ field: 'A', equals: 'x', caseSensitive: true }] }), 'caseSensitive applies to contains and matches only, not equals')
    await failsWith(rule({ if: [{ field: 'MsgBody[x].Text', exists: true }] }), 'field "MsgBody[x].Text" is not a path')
    await failsWith(rule({ limit: { by: 'GiftWater.To_Account[]', max: 1, perSeconds: 1 } }), 'limit.by: "GiftWater.To_Account[]" must name one value')
  })

  it('rejects unknown keys and bad values through the schema', async () => {
    await failsWith(rule({ iff: [] }), 'rules[0].iff: unknown key "iff"; did you mean "if"?')
    await failsWith(rule({ if: [{ field: 'A', gt: 'ten' }] }), 'rules[0].if[0].gt')
    await failsWith(rule({ limit: { by: 'A', max: 0, perSeconds: 1 } }), 'rules[0].limit.max')
    await failsWith(rule({ if: [{ field: 'A', in: ['x', 144115216631667826] }] }), 'options.rules[0] (r): if[0]: in: 144115216631667840 is beyond 2^53')
  })

  it('reports every problem at once', async () => {
    const options = {
      rules: [
        { name: 'one', if: [{ field: 'A', matches: '[' }], then: { action: 'deny' } },
        { if: [{ field: 'B', containsWord: 'nope' }], then: { action: 'modify' } },
      ],
    }
    await failsWith(
      options,
      'rules[0] (one): if[0]: matches',
      'rules[1]: if[0]: containsWord: unknown word list "nope" (wordLists: none defined)',
      'rules[1]: then: action modify',
    )
  })
})
