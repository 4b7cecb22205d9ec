/**
 * The open log file: appends bytes, optionally fdatasync'd, and tracks the size and the
 * UTC date of the contents so the plugin can decide when to rotate.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { exists, utcDate } from './rotation.ts'

const NEWLINE = 0x0a

/**
 * fsyncs a folder so a file created or renamed in it survives power loss: fdatasync on the
 * file itself does not persist its directory entry (POSIX fsync(2)). Best effort, because
 * some platforms cannot open a folder for syncing.
 */
async function syncFolder(folder: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(folder, 'r')
    await handle.sync()
  } catch {
    // Nothing to do: the data itself is still fdatasync'd.
  } finally {
    await handle?.close().catch(() => {})
  }
}

/** A write may return early having written only part of the buffer; keep going until all is out. */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, null)
    offset += bytesWritten
  }
}

async function endsWithNewline(handle: FileHandle, size: number): Promise<boolean> {
  const last = new Uint8Array(1)
  const { bytesRead } = await handle.read(last, 0, 1, size - 1)
  return bytesRead === 1 && last[0] === NEWLINE
}

export class LogFile {
  #handle: FileHandle | undefined
  /** Bytes in the current file. */
  size = 0
  /** UTC date (`YYYY-MM-DD`) of the lines in the current file; undefined while it is empty. */
  contentDate: string | undefined
  // Set when the file ends in a partial line (a crash or failed write mid-append), so the
  // next append starts on a fresh line instead of gluing two JSON objects together.
  #needsNewline = false

  constructor(
    readonly path: string,
    readonly fsync: boolean,
  ) {}

  /** Opens (creating the file and its folders if missing) unless already open. */
  async open(): Promise<FileHandle> {
    if (this.#handle) return this.#handle
    await mkdir(dirname(this.path), { recursive: true })
    const existed = await exists(this.path)
    // 'a+': every write appends, and the last byte can still be read back.
    const handle = await open(this.path, 'a+')
    try {
      const info = await handle.stat()
      this.size = info.size
      // Each day gets its own file, so the last write time dates the whole file.
      this.contentDate = info.size > 0 ? utcDate(info.mtime) : undefined
      this.#needsNewline = info.size > 0 && !(await endsWithNewline(handle, info.size))
      if (!existed && this.fsync) await syncFolder(dirname(this.path))
    } catch (error) {
      await handle.close().catch(() => {})
      throw error
    }
    this.#handle = handle
    return handle
  }

  /** Appends `bytes` (whole lines) written on `date`; with `fsync`, they are on disk when this resolves. */
  async append(bytes: Uint8Array, date: string): Promise<void> {
    const handle = await this.open()
    try {
      let out = bytes
      if (this.#needsNewline) {
        out = new Uint8Array(bytes.length + 1)
        out[0] = NEWLINE
        out.set(bytes, 1)
      }
      await writeAll(handle, out)
      if (this.fsync) await handle.datasync()
      this.#needsNewline = false
      this.size += out.length
      this.contentDate ??= date
    } catch (error) {
      // Part of the append may have landed: reopen before the next write, which re-reads
      // the size and the last byte from disk instead of trusting our counters.
      await this.close()
      throw error
    }
  }

  /** Closes the file, lets `rename` move it aside, and starts a fresh file at `path`. */
  async rotate(rename: (path: string) => Promise<string>): Promise<string> {
    await this.close()
    const target = await rename(this.path)
    // Creating the new file also fsyncs the folder, which makes the rename durable too.
    await this.open()
    return target
  }

  async close(): Promise<void> {
    const handle = this.#handle
    this.#handle = undefined
    await handle?.close()
  }
}
