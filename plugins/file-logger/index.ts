/**
 * file-logger: appends one JSON line per event (the whole GatewayEvent) to a local file,
 * rotating by size or by UTC day.
 *
 * A delivery resolves only after its line is written, and fdatasync'd when `fsync` is on,
 * so a line whose delivery resolved is never lost to a crash. Concurrent deliveries are
 * group-committed: one append and one fdatasync carry every line queued meanwhile.
 */
import { isAbsolute, resolve } from 'node:path'
import { definePlugin, t, PermanentError } from '../../src/plugin.ts'
import type { GatewayEvent, Logger, Static } from '../../src/plugin.ts'
import { createGroupCommit } from './group-commit.ts'
import { LogFile } from './log-file.ts'
import { rotateBySize, rotateDaily, utcDate } from './rotation.ts'
import { concatBytes } from '../../src/bytes.ts'

export const FileLoggerOptions = t.Object(
  {
    /**
     * The JSON-lines file; a relative path is resolved against the config file's folder.
     * Missing folders are created.
     * @default './logs/callbacks.jsonl'
     */
    path: t.String({ minLength: 1, default: './logs/callbacks.jsonl' }),
    /**
     * With `rotate: 'size'`, the file is rotated before a write would take it past this many
     * bytes. A single line longer than this still goes into a file of its own.
     * @default 104857600 (100 MiB)
     */
    maxBytes: t.Integer({ minimum: 1, default: 104_857_600 }),
    /**
     * Rotated files kept: `<path>.1` (newest) … `<path>.N` with size rotation, or the N most
     * recent `<path>.<YYYY-MM-DD>` files with daily rotation. Older ones are deleted.
     * @default 5
     */
    maxFiles: t.Integer({ minimum: 1, default: 5 }),
    /**
     * `'size'`: rotate at `maxBytes`. `'daily'`: rotate when the UTC date of a write differs
     * from the date of the lines already in the file; the old file becomes `<path>.<YYYY-MM-DD>`.
     * @default 'size'
     */
    rotate: t.Union([t.Literal('size'), t.Literal('daily')], { default: 'size' }),
    /**
     * fdatasync before a delivery resolves, so a resolved line survives power loss.
     * `false` is faster and still survives a killed process, not a lost machine.
     * @default true
     */
    fsync: t.Boolean({ default: true }),
  },
  { additionalProperties: false },
)
export type FileLoggerOptions = Static<typeof FileLoggerOptions>

const encoder = new TextEncoder()

function serializeEvent(event: GatewayEvent): string {
  try {
    // No indentation: JSON.stringify escapes newlines inside strings, so this is one line.
    return JSON.stringify(event)
  } catch (error) {
    // Only a malformed event (a cycle, a bigint) gets here; retrying it cannot help.
    throw new PermanentError(`file-logger cannot serialise event ${event.id}: ${(error as Error).message}`)
  }
}

/** Writes one batch of lines, rotating first (and between lines, for size) when needed. */
function createBatchWriter(file: LogFile, options: FileLoggerOptions, logger: Logger) {
  async function rotate(): Promise<void> {
    const date = file.contentDate ?? utcDate(Date.now())
    const target = await file.rotate((path) => (options.rotate === 'daily' ? rotateDaily(path, date, options.maxFiles) : rotateBySize(path, options.maxFiles)))
    logger.info('rotated log file', { to: target })
  }

  return async function writeBatch(lines: string[]): Promise<void> {
    // One date per batch: the lines of a batch are all written by the same append.
    const today = utcDate(Date.now())
    if (options.rotate === 'daily' && file.contentDate !== undefined && file.contentDate !== today) await rotate()

    let chunks: Uint8Array[] = []
    let chunkBytes = 0
    for (const line of lines) {
      const bytes = encoder.encode(`${line}\n`)
      const sizeBefore = file.size + chunkBytes
      if (options.rotate === 'size' && sizeBefore > 0 && sizeBefore + bytes.length > options.maxBytes) {
        // Lines before the cut go (and are synced) into the old file, the rest into the new one.
        if (chunkBytes > 0) await file.append(concatBytes(chunks, chunkBytes), today)
        await rotate()
        chunks = []
        chunkBytes = 0
      }
      chunks.push(bytes)
      chunkBytes += bytes.length
    }
    if (chunkBytes > 0) await file.append(concatBytes(chunks, chunkBytes), today)
  }
}

export default definePlugin({
  name: 'file-logger',
  options: FileLoggerOptions,
  // Deliveries are cheap (group-committed appends), so let many share one fdatasync.
  defaultConcurrency: 16,
  async setup(ctx) {
    const options = ctx.options
    const path = isAbsolute(options.path) ? options.path : resolve(ctx.configDir, options.path)
    const file = new LogFile(path, options.fsync)
    // Open now so a bad path or missing permission fails at startup, not on the first callback.
    await file.open()
    const commits = createGroupCommit(createBatchWriter(file, options, ctx.logger))
    let closed = false
    ctx.logger.info('file-logger ready', { path, rotate: options.rotate, fsync: options.fsync })

    return {
      async deliver(event) {
        // Thrown as a plain error, not PermanentError: the delivery stays retryable.
        if (closed) throw new Error('file-logger instance is closed')
        await commits.add(serializeEvent(event))
      },
      async close() {
        closed = true
        await commits.drain()
        await file.close()
      },
    }
  },
})
