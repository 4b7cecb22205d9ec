/**
 * Config errors as a newcomer meets them, through the real CLI: a bad PORT is named PORT,
 * a YAML syntax error names the file, line and column and shows the line with a caret, and
 * under Deno the text carries no terminal colour codes (Deno colours its module-loader
 * messages even when stderr is a pipe). All exit 2, as every config error does.
 */
import { describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir, REPO } from '../helpers/gateway.ts'
import { DENO, MAIN, runCli } from '../helpers/process.ts'

const ESC = '\u001b'

function writeConfig(yaml: string): { dir: string; path: string } {
  const dir = tempDir('cli-errors-')
  const path = join(dir, 'config.yaml')
  writeFileSync(path, yaml)
  return { dir, path }
}

async function runDeno(args: string[]): Promise<{ code: number; stderr: string }> {
  const child = Bun.spawn([DENO, 'run', '-A', MAIN, ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? '' }, stdout: 'pipe', stderr: 'pipe' })
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited, new Response(child.stdout).text()])
  return { code, stderr }
}

describe('CLI config errors', () => {
  it('names PORT, not server.port, when the PORT variable is bad', async () => {
    const { path } = writeConfig('tencent: { sdkAppId: 1400000000 }\n')
    const result = await runCli(['validate', '--config', path], { PORT: 'abc' })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('PORT: "abc" is not a port number (1-65535, or 0 for any free port)')
    expect(result.stderr).not.toContain('server.port')
  })

  it('shows a YAML syntax error as file:line:col with the line (its value hidden) and a caret', async () => {
    const { dir } = writeConfig('tencent:\n  sdkAppId: 1400000000\n  token: abc: def\nplugins: {}\n')
    // Relative, as a user types it: the message names the file the way it was given.
    const result = await runCli(['validate', '--config', join(dir, 'config.yaml').replace(`${REPO}/`, '')])
    expect(result.code).toBe(2)
    const lines = result.stderr.split('\n')
    const at = lines.findIndex((l) => /config\.yaml:3:10: /.test(l))
    expect(at).toBeGreaterThan(-1)
    expect(lines[at]).toContain('Nested mappings are not allowed in compact mappings')
    // The key is shown, the value is not: it may be a secret, and nothing is registered for
    // redaction from a file that does not parse.
    expect(lines[at + 1]!.trimStart()).toBe('token: …')
    // The caret sits under the column the parser named (3:10 is where the hidden value starts).
    expect(lines[at + 2]!.trimEnd().endsWith('^')).toBe(true)
    expect(lines[at + 2]!.indexOf('^')).toBe(lines[at + 1]!.indexOf('…'))
    expect(result.stderr).not.toContain('abc: def')
  })

  it('never prints a value of the offending line: a token added twice mid-rotation stays secret', async () => {
    const { path } = writeConfig('tencent:\n  sdkAppId: 1400000000\n  token: old-token-1234\n  token: NEW-rotated-secret-777\n')
    const result = await runCli(['validate', '--config', path])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`${path}:4:3: Map keys must be unique`)
    expect(result.stderr).toContain('token: …')
    expect(result.stderr).not.toContain('NEW-rotated-secret-777')
    expect(result.stderr).not.toContain('old-token-1234')
  })

  it('under Deno, a plugin that cannot be loaded is reported without ANSI colour codes', async () => {
    const { dir, path } = writeConfig('tencent: { sdkAppId: 1400000000 }\nplugins:\n  m: { use: ./broken.ts }\nroutes: [{ match: "*", to: [m] }]\n')
    writeFileSync(join(dir, 'broken.ts'), 'import missing from "./missing.ts"\nexport default missing\n')
    const result = await runDeno(['validate', '--config', path])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('plugins.m.use: cannot load')
    expect(result.stderr).toContain('broken.ts:1:')
    expect(result.stderr).not.toContain(ESC)
  })

  it('under Deno, a YAML syntax error has its caret and no ANSI colour codes', async () => {
    const { path } = writeConfig('tencent:\n  sdkAppId: 1400000000\n  token: abc: def\n')
    const result = await runDeno(['validate', '--config', path])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`${path}:3:10: `)
    expect(result.stderr).toMatch(/\n +token: …\n +\^\n/)
    expect(result.stderr).not.toContain(ESC)
  })
})
