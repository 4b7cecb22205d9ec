/**
 * The CLI as a newcomer meets it: --help on every command, --version, a bare run, mistakes
 * answered with a short message, a did-you-mean and the usage (never node:util's parseArgs
 * text), and ./config.yaml as every command's default config.
 */
import { describe, expect, it } from 'bun:test'
import { readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO, tempDir } from '../helpers/gateway.ts'
import { runCli } from '../helpers/process.ts'

const VERSION = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version as string

/** A working directory with no config.yaml: help must not need one. */
const EMPTY = tempDir('usage-empty-')

// Each command, and options its usage must list besides --config, --env and --help.
const COMMANDS: Array<[string[], string[]]> = [
  [['serve'], []],
  [['validate'], []],
  [['send'], ['--url URL', '--command CMD', '--file FILE', '--token T', '--sdk-app-id ID']],
  [['dlq'], ['--all', '--plugin ID', '--json', 'list', 'replay', 'purge']],
  [['stats'], ['--json']],
  [
    ['dlq', 'list'],
    ['--plugin ID', '--json'],
  ],
  [
    ['dlq', 'replay'],
    ['ID', '--all', '--plugin ID'],
  ],
  [
    ['dlq', 'purge'],
    ['ID', '--all', '--plugin ID'],
  ],
]

describe('--help', () => {
  for (const [command, options] of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      it(`${command.join(' ')} ${flag} prints its usage with every option and its default, exit 0`, async () => {
        const result = await runCli([...command, flag], {}, { cwd: EMPTY })
        expect(result).toMatchObject({ code: 0, stderr: '' })
        expect(result.stdout).toStartWith(`usage: bun src/main.ts ${command.join(' ')} `)
        for (const option of options) expect(result.stdout).toContain(option)
        // The same config options, said the same way, everywhere.
        expect(result.stdout).toMatch(/^ {2}-c, --config FILE +.*\(default: \.\/config\.yaml, in the current directory/m)
        expect(result.stdout).toMatch(/^ {2}-e, --env NAME +.*\(default: \$GATEWAY_ENV, else none\)$/m)
        expect(result.stdout).toMatch(/^ {2}-h, --help +print this help and exit$/m)
      })
    }
  }

  it('help COMMAND is COMMAND --help, and --help wins over a mistake next to it', async () => {
    const help = await runCli(['help', 'stats'])
    expect(help.code).toBe(0)
    expect(help.stdout).toStartWith('usage: bun src/main.ts stats ')
    const mixed = await runCli(['validate', '--confg', 'x.yaml', '--help'])
    expect(mixed.code).toBe(0)
    expect(mixed.stdout).toStartWith('usage: bun src/main.ts validate ')
  })
})

describe('version and a bare run', () => {
  it('--version and -v print the version from package.json, exit 0', async () => {
    for (const flag of ['--version', '-v']) {
      const result = await runCli([flag])
      expect(result.code).toBe(0)
      expect(result.stdout).toStartWith(`tencent-live-callback-gateway ${VERSION} (bun `)
    }
  })

  it('no arguments at all prints the usage listing every command on stderr, exit 2', async () => {
    const result = await runCli([])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toStartWith('usage: bun src/main.ts COMMAND [OPTIONS]')
    for (const command of ['serve', 'validate', 'send', 'dlq', 'stats']) expect(result.stderr).toMatch(new RegExp(`^  ${command} +\\S`, 'm'))
  })
})

describe('mistakes', () => {
  it("an unknown option gets a did-you-mean and that command's usage, not parseArgs' message", async () => {
    const result = await runCli(['validate', '--confg', 'x.yaml'])
    expect(result.code).toBe(2)
    expect(result.stderr).toStartWith('unknown option `--confg`; did you mean `--config`?\n\nusage: bun src/main.ts validate ')
    expect(result.stderr).not.toContain('To specify a positional argument')
    const dlq = await runCli(['dlq', 'list', '--jsn'])
    expect(dlq.code).toBe(2)
    expect(dlq.stderr).toStartWith('unknown option `--jsn`; did you mean `--json`?\n\nusage: bun src/main.ts dlq list ')
  })

  it("options without a command are serve's, and get serve's usage", async () => {
    const result = await runCli(['--confg', 'x.yaml'])
    expect(result.code).toBe(2)
    expect(result.stderr).toStartWith('unknown option `--confg`; did you mean `--config`?\n\nusage: bun src/main.ts serve ')
  })

  it('a missing value, a value on a flag and a stray argument each say so, with the usage', async () => {
    const cases: Array<[string[], string]> = [
      [['validate', '--config'], 'option `--config` needs a value (FILE)'],
      [
        ['stats', '--config', '--json'],
        "option `--config` needs a value; `--json` looks like an option (to pass a value that starts with '-', write `--config=--json`)",
      ],
      [['stats', '--json=yes'], 'option `--json` takes no value'],
      [['validate', 'config.yaml'], 'unexpected argument "config.yaml"; did you mean `--config config.yaml`?'],
      [['dlq', 'replay', '1', '2'], 'unexpected argument "2"'],
      [['dlq', 'replay', 'seven'], 'ID must be a delivery id (a number, as `dlq list` prints it), got "seven"'],
      [['dlq', 'replay'], 'dlq replay needs an ID or --all'],
      [['dlq'], 'dlq needs a command: list, replay or purge'],
      [['send'], '--url URL is required'],
    ]
    for (const [args, message] of cases) {
      const result = await runCli(args, {}, { cwd: EMPTY })
      expect({ args, code: result.code }).toEqual({ args, code: 2 })
      expect(result.stderr).toStartWith(`${message}`)
      expect(result.stderr).toContain(`\n\nusage: bun src/main.ts ${args[0]}`)
    }
  })

  it('names on Object.prototype are unknown options, -cFILE carries its value, and dlq reports an unknown option before its command', async () => {
    for (const [args, option] of [
      [['--constructor', 'x'], '--constructor'],
      [['--__proto__', 'x'], '--__proto__'],
      [['validate', '--toString'], '--toString'],
      [['dlq', '--foo', 'x', 'list'], '--foo'],
    ] as const) {
      const result = await runCli([...args], {}, { cwd: EMPTY })
      expect({ args, code: result.code }).toEqual({ args, code: 2 })
      expect(result.stderr).toStartWith(`unknown option \`${option}\``)
    }
    const dir = tempDir('usage-attached-')
    writeFileSync(join(dir, 'other.yaml'), 'tencent: { sdkAppId: 1400000000 }\n')
    const attached = await runCli(['validate', `-c${join(dir, 'other.yaml')}`], {}, { cwd: EMPTY })
    expect(attached.code).toBe(0)
    expect(attached.stdout).toContain('config OK')
    // A long option written with one dash is still a mistake, not -c with the value "onfig".
    const oneDash = await runCli(['validate', '-config', 'x.yaml'], {}, { cwd: EMPTY })
    expect(oneDash.stderr).toStartWith('unknown option `-config`; did you mean `--config`?')
  })

  it('an unknown command gets a did-you-mean and the usage', async () => {
    const result = await runCli(['valdate'])
    expect(result.code).toBe(2)
    expect(result.stderr).toStartWith('unknown command "valdate"; did you mean "validate"?\n\nusage: bun src/main.ts COMMAND')
    const dlq = await runCli(['dlq', 'lst'])
    expect(dlq.code).toBe(2)
    expect(dlq.stderr).toStartWith('unknown dlq command "lst"; did you mean "list"?\n\nusage: bun src/main.ts dlq list')
  })
})

describe('the default config', () => {
  it('is ./config.yaml of the current directory', async () => {
    const dir = realpathSync(tempDir('usage-default-'))
    writeFileSync(join(dir, 'config.yaml'), 'tencent: { sdkAppId: 1400000000 }\n')
    const result = await runCli(['validate'], {}, { cwd: dir })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`config: ${join(dir, 'config.yaml')}`)
  })

  it('when absent, every command that reads a config names the path it tried and --config FILE', async () => {
    const dir = realpathSync(EMPTY)
    for (const args of [['validate'], ['serve'], ['--env', 'production'], ['stats'], ['dlq', 'list'], ['dlq', 'purge', '--all']]) {
      const result = await runCli(args, {}, { cwd: dir })
      expect({ args, code: result.code }).toEqual({ args, code: 2 })
      expect(result.stderr).toContain(`no config file at ${join(dir, 'config.yaml')}`)
      expect(result.stderr).toContain('pass --config FILE to use another')
    }
  })
})
