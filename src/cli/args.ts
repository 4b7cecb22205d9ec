/**
 * Command-line parsing and usage texts shared by the subcommands. A small parser of our own
 * rather than node:util parseArgs: its messages ("Unknown option '--help'. To specify a
 * positional argument starting with a '-'...") tell a newcomer nothing, it has no
 * did-you-mean, and it cannot print a command's usage.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { GatewayError } from '../errors.ts'
import { closest, didYouMean } from '../suggest.ts'

/** How the usage texts name the program: the form the README uses. */
export const PROGRAM = 'bun src/main.ts'

/** Bad arguments: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends GatewayError {
  override name = 'UsageError'
  constructor(
    message: string,
    /** The usage to print under the message; without it the CLI prints the running command's. */
    readonly usage?: string,
  ) {
    super(message, 'USAGE', 2)
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  /** The value's placeholder in the usage, e.g. FILE. */
  value?: string
  /** One line: what the option does. */
  help: string
  /** The default, as the usage states it; applying it is the command's job. */
  default?: string
}

export type OptionSpecs = Record<string, OptionSpec>

export type Values<T extends OptionSpecs> = { [K in keyof T]?: T[K]['type'] extends 'string' ? string : boolean }

export interface CommandSpec<T extends OptionSpecs = OptionSpecs> {
  /** Synopsis lines, each after the program name. */
  synopsis: string[]
  /** A sentence or two: what the command does. */
  summary: string
  options: T
  /** Positional arguments, in order; more than these is an error. */
  args?: Array<{ name: string; help: string }>
  /** Lines printed after the options. */
  notes?: string[]
}

export interface Parsed<T extends OptionSpecs> {
  values: Values<T>
  positionals: string[]
  /** `--help` or `-h` was given: print the usage and exit 0, whatever else is wrong. */
  help: boolean
}

/** `--config` and `--env`, the same for every command that reads a config. */
export const CONFIG_OPTIONS = {
  config: { type: 'string', short: 'c', value: 'FILE', help: 'the config file', default: './config.yaml, in the current directory' },
  env: { type: 'string', short: 'e', value: 'NAME', help: "which overlay of the config's `environments:` to apply", default: '$GATEWAY_ENV, else none' },
} satisfies OptionSpecs

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', help: 'print this help and exit' }

function optionLabel(name: string, option: OptionSpec): string {
  const long = `--${name}${option.value ? ` ${option.value}` : ''}`
  return option.short ? `-${option.short}, ${long}` : `    ${long}`
}

function table(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length))
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`)
}

export function usage(spec: CommandSpec): string {
  const lines = spec.synopsis.map((line, i) => `${i === 0 ? 'usage: ' : '       '}${PROGRAM} ${line}`)
  lines.push('', spec.summary)
  if (spec.args?.length) lines.push('', 'arguments:', ...table(spec.args.map((arg) => [arg.name, arg.help])))
  const options = Object.entries({ ...spec.options, help: HELP_OPTION })
  const rows = options.map(([name, option]): [string, string] => [
    optionLabel(name, option),
    option.default ? `${option.help} (default: ${option.default})` : option.help,
  ])
  lines.push('', 'options:', ...table(rows))
  if (spec.notes?.length) lines.push('', ...spec.notes)
  return lines.join('\n')
}

/** `--help`: the usage on stdout, exit 0. */
export function printUsage(spec: CommandSpec): number {
  console.log(usage(spec))
  return 0
}

/** A positional that looks like a config file was probably meant for --config. */
export function configHint(word: string): string {
  return /\.ya?ml$/i.test(word) ? `; did you mean \`--config ${word}\`?` : ''
}

function unknownOption(arg: string, options: OptionSpecs): string {
  const word = arg.replace(/^--?/, '').replace(/=.*$/, '')
  const match = closest(word, [...Object.keys(options), 'help'])
  const shown = arg.startsWith('--') ? arg.replace(/=.*$/, '') : arg
  return `unknown option \`${shown}\`${match ? `; did you mean \`--${match}\`?` : ''}`
}

/**
 * `--name value`, `--name=value`, `-x value`, booleans as bare flags, `--` before positionals.
 * A string option's value may not start with a dash (use `--name=-value`): `--config --env x`
 * is a forgotten value, not a config file named `--env`.
 */
export function parse<T extends OptionSpecs>(args: string[], spec: CommandSpec<T>): Parsed<T> {
  const values: Record<string, string | boolean> = {}
  const positionals: string[] = []
  const byShort = new Map(Object.entries(spec.options).flatMap(([name, option]) => (option.short ? [[option.short, name] as const] : [])))
  let help = false
  // The first problem is reported, but parsing goes on: a later --help still wins.
  let problem: string | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--') {
      positionals.push(...args.slice(i + 1))
      break
    }
    if (arg === '--help' || arg === '-h') {
      help = true
      continue
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg)
      continue
    }
    const long = arg.startsWith('--')
    const eq = arg.indexOf('=')
    // A short option may carry its value (`-cFILE`), unless the word is a long option with one
    // dash (`-config`), which gets its did-you-mean instead.
    const attached = !long && arg.length > 2 && !Object.hasOwn(spec.options, arg.slice(1)) ? arg.slice(2) : undefined
    const name = long ? arg.slice(2, eq < 0 ? undefined : eq) : arg.length === 2 || attached !== undefined ? byShort.get(arg[1]!) : undefined
    // Own keys only: `--constructor` or `--__proto__` must not find Object.prototype's.
    const option = name === undefined || !Object.hasOwn(spec.options, name) ? undefined : spec.options[name]
    if (name === undefined || !option || (attached !== undefined && option.type !== 'string')) {
      problem ??= unknownOption(arg, spec.options)
      continue
    }
    const inline = long && eq >= 0 ? arg.slice(eq + 1) : attached
    if (option.type === 'boolean') {
      if (inline !== undefined) problem ??= `option \`--${name}\` takes no value`
      else values[name] = true
      continue
    }
    const next = args[i + 1]
    const value = inline ?? (next !== undefined && (!next.startsWith('-') || next === '-') ? (i++, next) : undefined)
    if (value) values[name] = value
    else if (inline === undefined && next !== undefined && next.startsWith('-'))
      problem ??= `option \`--${name}\` needs a value; \`${next}\` looks like an option (to pass a value that starts with '-', write \`--${name}=${next}\`)`
    else problem ??= `option \`--${name}\` needs a value (${option.value ?? 'VALUE'})`
  }
  const max = spec.args?.length ?? 0
  if (positionals.length > max) {
    const extra = positionals[max]!
    problem ??= `unexpected argument "${extra}"${configHint(extra)}`
  }
  if (problem && !help) throw new UsageError(problem, usage(spec))
  return { values: values as Values<T>, positionals, help }
}

/** The index of the first positional (a nested command such as `dlq list`), skipping option values; -1 if none. */
export function firstPositional(args: string[], options: OptionSpecs): number {
  const takesValue = new Set(
    Object.entries(options).flatMap(([name, option]) => (option.type === 'string' ? [`--${name}`, ...(option.short ? [`-${option.short}`] : [])] : [])),
  )
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--') return i + 1 < args.length ? i + 1 : -1
    if (!arg.startsWith('-') || arg === '-') return i
    if (takesValue.has(arg)) i++
  }
  return -1
}

/**
 * The config file every command reads the same way: --config, else ./config.yaml of the
 * current directory. A missing default is named with its full path, since the newcomer may not
 * know which directory the command ran in.
 */
export function configPath(values: { config?: string }): string {
  if (values.config !== undefined) return values.config
  const path = resolve('config.yaml')
  if (!existsSync(path))
    throw new GatewayError(
      `no config file at ${path} (the default, ./config.yaml in the current directory); pass --config FILE to use another`,
      'CONFIG_MISSING',
      2,
    )
  return path
}

/**
 * The nested command of a command group (`dlq list`, `events show`) and the arguments left for it.
 * Options may come before the command (`dlq --config c.yaml list`), so it is found past their
 * values. `help` when only --help was asked for (the group's usage is printed); a missing or
 * unknown command is a UsageError that names the commands.
 */
export function nestedCommand(group: string, spec: CommandSpec, commands: readonly string[], args: string[]): { name: string; rest: string[] } | 'help' {
  const at = firstPositional(args, spec.options)
  if (at < 0) {
    if (parse(args, spec).help) return 'help'
    const list = commands.length > 1 ? `${commands.slice(0, -1).join(', ')} or ${commands.at(-1)}` : commands[0]
    throw new UsageError(`${group} needs a command: ${list}`, usage(spec))
  }
  const name = args[at]!
  if (!commands.includes(name)) {
    // `dlq --foo x list`: the unknown option, not its value, is the mistake to report.
    parse(args.slice(0, at), spec)
    throw new UsageError(`unknown ${group} command "${name}"${didYouMean(name, commands)}`, usage(spec))
  }
  return { name, rest: [...args.slice(0, at), ...args.slice(at + 1)] }
}
