/**
 * Is the store still the file it opened? SQLite keeps writing to an open file after it has
 * been deleted or moved away, so every commit would "succeed" into a file that a restart
 * never sees: acknowledged callbacks gone. The store checks before each commit batch (and on
 * a timer, so /readyz turns 503 without traffic) and refuses to acknowledge once either file
 * is gone.
 *
 * SQLite itself never deletes or replaces the WAL while a connection is open (only the last
 * connection to close does), so a WAL with no links left was removed from outside.
 */
import { closeSync, fstatSync, openSync, statSync } from 'node:fs'

export interface FileProblem {
  /** `wal`: only the WAL is gone, so the main file can still take its frames. */
  file: 'db' | 'wal'
  text: string
}

export class StoreFiles {
  readonly dbPath: string
  readonly walPath: string
  #dev: number
  #ino: number
  #dbFd: number
  #walFd: number | undefined

  constructor(dbPath: string, walPath: string) {
    this.dbPath = dbPath
    this.walPath = walPath
    this.#dbFd = openSync(dbPath, 'r')
    const opened = fstatSync(this.#dbFd)
    this.#dev = opened.dev
    this.#ino = opened.ino
    try {
      this.#walFd = openSync(walPath, 'r')
    } catch {
      // Not created yet: opened on first use.
    }
  }

  /** The WAL's descriptor (for fdatasync); throws if the WAL cannot be opened. */
  walDescriptor(): number {
    return (this.#walFd ??= openSync(this.walPath, 'r'))
  }

  /** Why the store's files are no longer the ones it opened, or undefined when they are; throws when the path cannot be looked at. */
  problem(): FileProblem | undefined {
    const now = statSync(this.dbPath, { throwIfNoEntry: false })
    if (!now) return { file: 'db', text: `the store file ${this.dbPath} was deleted or moved away` }
    if (now.ino !== this.#ino || now.dev !== this.#dev) return { file: 'db', text: `the store file ${this.dbPath} was replaced by another file` }
    if (this.#walFd !== undefined && fstatSync(this.#walFd).nlink === 0) return { file: 'wal', text: `the store's write-ahead log ${this.walPath} was deleted` }
    return undefined
  }

  close(): void {
    for (const fd of [this.#dbFd, this.#walFd]) {
      if (fd === undefined) continue
      try {
        closeSync(fd)
      } catch {
        // Already closed: nothing to release.
      }
    }
    this.#walFd = undefined
  }
}
