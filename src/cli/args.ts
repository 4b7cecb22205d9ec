/** Command-line parsing shared by the subcommands (node:util parseArgs runs on Bun and Deno). */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { GatewayError } from '../errors.ts'

/** Bad arguments: the CLI prints the message and exits 2. */
export class UsageError extends GatewayError {
  override name = 'UsageError'
  constructor(message: string) {
    super(message, 'USAGE', 2)
  }
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

export const CONFIG_OPTIONS = {
  config: { type: 'string', short: 'c' },
  env: { type: 'string', short: 'e' },
} as const

export function requireConfig(values: { config?: string }): string {
  if (!values.config) throw new UsageError('--config FILE is required')
  return values.config
}
