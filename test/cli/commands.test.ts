/** `commands [--json]`: every known command with product, kind, meaning and page (docs/cli.md#commands). */
import { describe, expect, it } from 'bun:test'
import { COMMANDS } from '../../src/tencent/commands/index.ts'
import { TRTC_COMMANDS } from '../../src/tencent/trtc.ts'
import { runCli } from '../helpers/process.ts'

describe('commands', () => {
  it('--json prints every registry and TRTC command as {command, product, kind, meaning, page}', async () => {
    const result = await runCli(['commands', '--json'])
    expect(result.code).toBe(0)
    const rows = JSON.parse(result.stdout) as Array<Record<string, string>>
    expect(rows.length).toBe(COMMANDS.length + TRTC_COMMANDS.length)
    for (const row of rows) expect(Object.keys(row)).toEqual(['command', 'product', 'kind', 'meaning', 'page'])
    const byCommand = new Map(rows.map((row) => [row.command, row]))
    for (const entry of COMMANDS) {
      expect(byCommand.get(entry.command)).toEqual({
        command: entry.command,
        product: entry.product,
        kind: entry.kind,
        meaning: entry.meaning,
        page: entry.page,
      })
    }
    expect(new Set(rows.map((row) => row.product))).toEqual(new Set(['Chat', 'Live', 'Room', 'TRTC']))
    expect(byCommand.get('Live.CallbackBeforeSendGift')!.kind).toBe('before')
  })

  it('prints a table, one line per command, with a header', async () => {
    const result = await runCli(['commands'])
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^COMMAND\s+PRODUCT\s+KIND\s+MEANING\s+PAGE$/)
    expect(lines.length).toBe(1 + COMMANDS.length + TRTC_COMMANDS.length)
    expect(lines.find((line) => line.startsWith('State.StateChange '))).toContain('https://www.tencentcloud.com/document/product/1047/34357')
  })

  it('reads no config and rejects an unknown option with its usage', async () => {
    const result = await runCli(['commands', '--jsn'], {}, { cwd: '/' })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('did you mean `--json`?')
    expect(result.stderr).toContain('usage: bun src/main.ts commands [--json]')
    expect((await runCli(['commands'], {}, { cwd: '/' })).code).toBe(0)
  })
})
