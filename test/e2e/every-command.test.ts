/**
 * Every known command through a real gateway process (issue 14, docs/design.md §8.3): its
 * sample is answered 200 and delivered by `match: '*'` to a file logger, Before commands
 * with their default answer (no decider); and for each command a sample whose first
 * documented required field has a wrong type is answered 400 naming that field, and never
 * delivered. An unknown command is still accepted and delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { COMMANDS } from '../../src/tencent/commands/index.ts'
import { beforeCommand } from '../../src/tencent/decisions.ts'
import { mutated } from '../helpers/commands.ts'
import { APP_ID, tempDir, until } from '../helpers/gateway.ts'
import { startServer, type ServerProcess } from '../helpers/process.ts'

const UNKNOWN = 'Group.CallbackAfterSomethingNew'
let server: ServerProcess
let dir: string

beforeAll(async () => {
  dir = tempDir('every-command-')
  const config = join(dir, 'config.yaml')
  writeFileSync(
    config,
    `server: { port: 0, hostname: 127.0.0.1 }
tencent: { sdkAppId: ${APP_ID} }
store: { path: ./data/gateway.db }
plugins:
  rec:
    use: file-logger
    options: { path: ./delivered.jsonl }
routes:
  - { match: '*', to: [rec] }
`,
  )
  server = await startServer(config)
})

afterAll(() => server?.kill('SIGKILL'))

async function post(command: string, body: string): Promise<{ status: number; answer: { ActionStatus: string; ErrorCode: number; ErrorInfo: string } }> {
  // State.StateChange writes the platform IOS where every other command writes iOS.
  const OptPlatform = command === 'State.StateChange' ? 'IOS' : 'iOS'
  const query = new URLSearchParams({ SdkAppid: APP_ID, CallbackCommand: command, contenttype: 'json', ClientIP: '127.0.0.1', OptPlatform })
  const response = await fetch(`${server.url}?${query}`, { method: 'POST', body })
  return { status: response.status, answer: await response.json() }
}

function delivered(): Array<{ command: string; payload: Record<string, unknown>; optPlatform?: string }> {
  const path = join(dir, 'delivered.jsonl')
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
}

describe('every known command through a running gateway', () => {
  it('answers 400 to each command whose first documented required field has a wrong type, naming it', async () => {
    const results = await Promise.all(
      COMMANDS.map(async (entry) => {
        const { field, body } = mutated(entry)
        return { command: entry.command, field, ...(await post(entry.command, JSON.stringify(body))) }
      }),
    )
    for (const { command, field, status, answer } of results) {
      expect({ command, status, ErrorCode: answer.ErrorCode }).toEqual({ command, status: 400, ErrorCode: 40003 })
      expect(answer.ErrorInfo).toStartWith(`payload is invalid: ${field}: `)
    }
  })

  it('answers 200 to every sample (Before commands with their default answer) and delivers each once', async () => {
    const results = await Promise.all(COMMANDS.map(async (entry) => ({ entry, ...(await post(entry.command, JSON.stringify(entry.sample))) })))
    for (const { entry, status, answer } of results) {
      // No decider: a Before command gets what Tencent does without an answer (gifts: refused).
      const expected = entry.kind === 'before' && beforeCommand(entry.command)!.noAnswer === 'deny' ? 1 : 0
      expect({ command: entry.command, status, answer }).toEqual({
        command: entry.command,
        status: 200,
        answer: { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: expected },
      })
    }
    const unknown = await post(UNKNOWN, JSON.stringify({ CallbackCommand: UNKNOWN, Anything: [1, 2] }))
    expect(unknown.status).toBe(200)

    const lines = await until(
      () => {
        const all = delivered()
        return all.length >= COMMANDS.length + 1 && all
      },
      15_000,
      'every sample delivered',
    )
    // Exactly the samples and the unknown command: none of the rejected bodies.
    expect(lines.map((line) => line.command).sort()).toEqual([...COMMANDS.map((entry) => entry.command), UNKNOWN].sort())
    const byCommand = new Map(lines.map((line) => [line.command, line]))
    for (const entry of COMMANDS) expect(byCommand.get(entry.command)!.payload).toEqual(entry.sample)
    expect(byCommand.get('State.StateChange')!.optPlatform).toBe('IOS')

    // Metrics label each registry command by name (its labels come from the registry), the unknown one as other.
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text()
    for (const entry of COMMANDS) expect(metrics).toContain(`gateway_callbacks_total{command="${entry.command}",outcome="ok"`)
    expect(metrics).toContain('gateway_callbacks_total{command="other",outcome="ok"')
    expect(metrics).not.toContain(UNKNOWN)
  })

  it('delivers account ids above 2^53 exact, as digit strings', async () => {
    const body =
      '{"CallbackCommand":"Call.CallbackAfterStartCall","CallInfo":{"CallId":"big-ids"},"UserList":[{"User_Account":144115212830834855,"Status":"Calling"}],"EventTime":1740464128808}'
    expect((await post('Call.CallbackAfterStartCall', body)).status).toBe(200)
    const line = await until(
      () => delivered().find((l) => (l.payload.CallInfo as { CallId?: string } | undefined)?.CallId === 'big-ids'),
      10_000,
      'the big-id call',
    )
    expect((line.payload.UserList as Array<{ User_Account: unknown }>)[0]!.User_Account).toBe('144115212830834855')
  })
})
