/**
 * Structured JSON-lines logger with levels and secret redaction.
 *
 * Every line is one JSON object on stdout: `{"time":..,"level":..,"msg":..,...fields}`.
 * Secrets (tokens, webhook URLs, Authorization values) are registered once in a
 * SecretRegistry and replaced by `[redacted]` wherever they appear in a line, whatever
 * field carries them; values of keys that look secret are redacted by name too.
 */

import { writeSync } from 'node:fs'

/** The levels, lowest first; the config schema's `log.level` is built from this list. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export type LogFields = Record<string, unknown>

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** A logger whose lines all carry `fields`. */
  child(fields: LogFields): Logger
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }
const SECRET_KEY = /^(authorization|token|tokens|secret|password|webhookurl|apikey|api_key|sign)$/i
const REDACTED = '[redacted]'

/** The secrets every logger of this process redacts; shared so plugin loggers see host secrets. */
export class SecretRegistry {
  #secrets = new Set<string>()
  /** Longest first, so a secret that contains another is replaced whole; rebuilt on add, not per line. */
  #ordered: string[] = []

  /** Registers a secret value; values shorter than 4 characters are ignored (they would mangle ordinary text). */
  add(value: unknown): void {
    if (typeof value !== 'string' || value.length < 4) return
    this.#secrets.add(value)
    // A secret may also appear URL-encoded (e.g. inside a logged URL).
    const encoded = encodeURIComponent(value)
    if (encoded !== value) this.#secrets.add(encoded)
    this.#ordered = [...this.#secrets].sort((a, b) => b.length - a.length)
  }

  /** Replaces every registered secret in `text`. */
  scrub(text: string): string {
    let out = text
    for (const secret of this.#ordered) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED)
    }
    return out
  }
}

export interface LoggerOptions {
  /** @default 'info' */
  level?: LogLevel
  /** Where lines go. @default console.log-compatible write to stdout */
  write?: (line: string) => void
  secrets?: SecretRegistry
}

/**
 * stdout writer that batches: lines logged during one event-loop turn go out in one write.
 * A console.log per callback took 13% of the serving thread under load (bench/profile.ts).
 * writeSync keeps lines in order and is flushed before the process exits (flushLogs).
 */
let pending: string[] = []
let scheduled = false

export function flushLogs(): void {
  scheduled = false
  if (pending.length === 0) return
  const text = `${pending.join('\n')}\n`
  pending = []
  try {
    writeSync(1, text)
  } catch {
    // stdout closed (a pipe whose reader left): nothing useful can be done with the line.
  }
}

function writeBatched(line: string): void {
  pending.push(line)
  if (!scheduled) {
    scheduled = true
    setImmediate(flushLogs)
  }
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && value in LEVELS
}

function serializeError(error: Error): LogFields {
  const out: LogFields = { name: error.name, message: error.message }
  if ('code' in error) out.code = (error as { code: unknown }).code
  if (error.cause instanceof Error) out.cause = serializeError(error.cause)
  return out
}

function needsReplacer(record: Record<string, unknown>): boolean {
  for (const key in record) {
    const value = record[key]
    if ((value !== null && typeof value === 'object') || typeof value === 'bigint' || SECRET_KEY.test(key)) return true
  }
  return false
}

function replaceValue(key: string, value: unknown): unknown {
  if (SECRET_KEY.test(key) && value !== undefined && value !== null && value !== '') return REDACTED
  if (value instanceof Error) return serializeError(value)
  if (typeof value === 'bigint') return value.toString()
  return value
}

/** `options` is read on every line, so changing `options.level` (a config reload) takes effect at once. */
export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const write = options.write ?? writeBatched
  const secrets = options.secrets ?? new SecretRegistry()

  function emit(level: LogLevel, msg: string, fields?: LogFields): void {
    if (LEVELS[level] < LEVELS[options.level ?? 'info']) return
    const record = { time: new Date().toISOString(), level, msg, ...bound, ...fields }
    let line: string
    try {
      // A replacer turns off JSON.stringify's fast path; flat lines of plain values with no
      // secret-named key (the per-callback line) do not need one.
      line = JSON.stringify(record, needsReplacer(record) ? replaceValue : undefined)
    } catch {
      line = JSON.stringify({ time: record.time, level, msg, note: 'fields not serialisable' })
    }
    write(secrets.scrub(line))
  }

  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  }
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger
  },
}
