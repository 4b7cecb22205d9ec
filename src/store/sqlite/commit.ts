/**
 * The SQLite store's writer: group commit, waits for another process's lock, the WAL
 * fdatasync, and the failure state that stops all acknowledgements.
 *
 * Group commit: appends and delivery outcomes queue up, and one transaction per event-loop
 * turn writes them all (transaction.ts). A write's promise resolves only once its transaction
 * is on disk.
 *
 * `sync: full` keeps the fsync off the serving thread: the connection runs WAL with
 * `synchronous=NORMAL`, under which a commit writes its frames without syncing, and the
 * writer fdatasyncs the WAL on the threadpool before the commit's waiters resolve. One
 * fdatasync runs at a time; writes arriving meanwhile are held and committed together once it
 * ends, and under load syncs start SYNC_SPACING_MS apart (sync-pacing.ts).
 *
 * A lock held by another process (a `dlq` command, a sqlite3 shell) is waited for with
 * timers, never with SQLite's busy_timeout, which sleeps on the thread that serves HTTP.
 *
 * Once the store cannot be trusted (an fdatasync error, its file or WAL deleted or replaced)
 * it fails: nothing more is acknowledged or delivered until a restart, and writes committed
 * but not acknowledged yet are either made durable anyway (a deleted WAL's frames are
 * checkpointed into the main file) or removed, so nothing answered 503 is ever delivered.
 */
import { fdatasync } from 'node:fs'
import type { DatabaseSync } from 'node:sqlite'
import { promisify } from 'node:util'
import { StoreUnavailableError } from '../../errors.ts'
import { GroupCommit } from '../../group-commit.ts'
import type { FileProblem, StoreFiles } from './files.ts'
import { rescueAfterFailure } from './rescue.ts'
import type { AppendResult, ClaimedDelivery } from '../store.ts'
import { unrefTimer } from '../../timeout.ts'
import { BatchTransaction, type Write } from './transaction.ts'
import { SyncPacing } from './sync-pacing.ts'

interface Waiter {
  write: Write
  /** Unix ms after which a commit still waiting for another process's lock is refused. */
  deadline: number
  /** The event's own deadline (NewEvent.deadline): not committed by then, it is withdrawn. */
  expiresAt?: number
  resolve: (result: AppendResult) => void
  reject: (error: Error) => void
  /** The stored event's rowid, once committed (to remove it if it is never acknowledged). */
  seq?: number
}

/** One commit's waiters, the plugin queues it gave work and its new deliveries, waiting for the WAL fdatasync. */
interface Committed {
  waiters: Waiter[]
  touched: Set<string>
  fresh: ClaimedDelivery[]
}

export interface CommitterOptions {
  db: DatabaseSync
  /** Undefined for ':memory:'. */
  files?: StoreFiles
  /** fdatasync the WAL before acknowledging (`sync: full`). */
  syncWal: boolean
  /** How long a write waits for another process's lock before it is refused. */
  lockWaitMs: number
  /** Once durable: the queues that got work, and the deliveries this process may hand out without reading them back. */
  onCommitted: (plugins: Set<string>, fresh: ClaimedDelivery[]) => void
  warn?: (message: string, fields?: Record<string, unknown>) => void
}

/** Files are checked this often even without traffic, so /readyz turns 503. */
const FILE_CHECK_MS = 1000
/** Retry delays while another process holds the write lock: 2, 4, … 50 ms. */
const LOCK_RETRY_MAX_MS = 50
/** Under load, WAL syncs start at least this far apart (sync-pacing.ts). */
const SYNC_SPACING_MS = 2

const datasync = promisify(fdatasync)

/** SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock. */
function isBusy(error: unknown): boolean {
  const e = error as { errcode?: number; message?: string }
  return e?.errcode === 5 || e?.errcode === 6 || /database is locked|database table is locked/i.test(e?.message ?? '')
}

export class SqliteCommitter {
  #db: DatabaseSync
  #files: StoreFiles | undefined
  #options: CommitterOptions
  #transaction: BatchTransaction
  #queue: Waiter[] = []
  #flushScheduled = false
  #lockTimer: ReturnType<typeof setTimeout> | undefined
  #lockDelay = 0
  /** One fdatasync of the WAL at a time; commits written meanwhile share the next one. */
  #syncs = new GroupCommit<Committed>((batch) => this.#syncWal(batch))
  /** The commits the fdatasync under way covers: a failure must know them. */
  #syncingWaiters: Waiter[] = []
  /** Holds commits while a sync is under way, so the next sync covers them in one commit. */
  #pacing = new SyncPacing(SYNC_SPACING_MS)
  #closing = false
  #failure: StoreUnavailableError | undefined
  /** After a failure: true when every committed write was made durable anyway. */
  #rescued = false
  #checkTimer: ReturnType<typeof setInterval> | undefined
  #closed = false
  /**
   * The highest event rowid that is acknowledged-durable: every event up to it was synced.
   * Deliveries are claimed only up to here, so a row committed but not yet synced (and maybe
   * answered 503 after all) is never handed to a plugin.
   */
  #durableSeq: number

  constructor(options: CommitterOptions) {
    this.#options = options
    this.#db = options.db
    this.#files = options.files
    this.#transaction = new BatchTransaction(options.db)
    // Everything already in the file was made durable by the start-up checkpoint.
    this.#durableSeq = this.#transaction.committedSeq
    if (this.#files) {
      this.#checkTimer = setInterval(() => this.#checkFiles(), FILE_CHECK_MS)
      unrefTimer(this.#checkTimer)
    }
  }

  get failure(): StoreUnavailableError | undefined {
    return this.#failure
  }

  /** Events up to this rowid are durable and may be delivered. */
  get durableSeq(): number {
    return this.#durableSeq
  }

  enqueue(write: Write): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError('store is closed'))
    if (this.#failure) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      const expiresAt = write.kind === 'event' ? write.event.deadline : undefined
      const deadline = Math.min(Date.now() + this.#options.lockWaitMs, expiresAt ?? Infinity)
      this.#queue.push({ write, resolve, reject, deadline, expiresAt })
      if (!this.#flushScheduled) {
        this.#flushScheduled = true
        // After this turn's I/O callbacks, so every request read in this turn joins the batch.
        setImmediate(() => this.#flush())
      }
    })
  }

  #flush(): void {
    // Held for the sync under way (sync-pacing.ts), unless closing or a write has a deadline.
    if (this.#options.syncWal && !this.#closing && !this.#queue.some((w) => w.expiresAt !== undefined) && this.#pacing.hold(() => this.#flush())) return
    this.#flushScheduled = false
    this.#lockTimer = undefined
    const now = Date.now()
    const batch: Waiter[] = []
    for (const waiter of this.#queue) {
      if (waiter.expiresAt !== undefined && now >= waiter.expiresAt) waiter.reject(new StoreUnavailableError('not committed by its deadline; withdrawn'))
      else batch.push(waiter)
    }
    this.#queue = []
    if (batch.length === 0) return
    if (this.#failure || this.#checkFiles()) {
      for (const waiter of batch) waiter.reject(this.#failure!)
      return
    }
    const touched = new Set<string>()
    const fresh: ClaimedDelivery[] = []
    let committed: Array<[Waiter, AppendResult]>
    try {
      committed = this.#commit(batch, touched, fresh)
    } catch (error) {
      touched.clear()
      if (isBusy(error)) return this.#waitForLock(batch, error as Error)
      // One bad write must not fail the others that shared its batch: redo each alone,
      // so only the writes that really cannot commit are refused (with 503 at ingress).
      committed = []
      for (const waiter of batch) {
        try {
          committed.push(...this.#commit([waiter], touched, fresh))
        } catch (error) {
          waiter.reject(new StoreUnavailableError(`store commit failed: ${(error as Error).message}`, { cause: error }))
        }
      }
    }
    this.#lockDelay = 0
    if (!this.#options.syncWal) {
      this.#durableSeq = this.#transaction.committedSeq
      for (const [waiter, result] of committed) waiter.resolve(result)
      if (touched.size) this.#options.onCommitted(touched, fresh)
      return
    }
    const waiters: Waiter[] = []
    for (const [waiter, result] of committed) {
      const resolve = waiter.resolve
      waiter.resolve = () => resolve(result)
      waiters.push(waiter)
    }
    this.#syncs.add({ waiters, touched, fresh })
  }

  /** Another process holds the write lock: try again shortly, refusing writes past their deadline. */
  #waitForLock(batch: Waiter[], error: Error): void {
    const now = Date.now()
    const refusal = new StoreUnavailableError(`store is locked by another process: ${error.message}`, { cause: error })
    const waiting: Waiter[] = []
    for (const waiter of batch) {
      if (now >= waiter.deadline || this.#closed) waiter.reject(refusal)
      else waiting.push(waiter)
    }
    this.#queue = waiting.concat(this.#queue)
    if (this.#queue.length === 0 || this.#closed) return
    this.#lockDelay = Math.min(LOCK_RETRY_MAX_MS, Math.max(2, this.#lockDelay * 2))
    // Writes arriving meanwhile join the retry instead of scheduling commits of their own.
    this.#flushScheduled = true
    this.#lockTimer = setTimeout(() => this.#flush(), this.#lockDelay)
  }

  /** Writes `batch` in one transaction; throws (after rolling back) if any write fails. */
  #commit(batch: Waiter[], touched: Set<string>, fresh: ClaimedDelivery[]): Array<[Waiter, AppendResult]> {
    const { seqs, plugins, fresh: added } = this.#transaction.run(batch.map((waiter) => waiter.write))
    for (const plugin of plugins) touched.add(plugin)
    for (const delivery of added) fresh.push(delivery)
    return batch.map((waiter, i) => {
      if (seqs[i]! >= 0) waiter.seq = seqs[i]
      return [waiter, 'stored']
    })
  }

  /** One fdatasync covering every commit in `batch` (the group commit runs them one at a time). */
  async #syncWal(batch: Committed[]): Promise<void> {
    const waiters = (this.#syncingWaiters = batch.flatMap((committed) => committed.waiters))
    const touched = new Set(batch.flatMap((committed) => [...committed.touched]))
    // Every event committed so far is in the WAL this sync covers.
    const upTo = this.#transaction.committedSeq
    this.#pacing.started()
    try {
      let descriptor: number
      try {
        descriptor = this.#files!.walDescriptor()
      } catch (error) {
        this.#fail(`cannot open the store's write-ahead log ${this.#files!.walPath}: ${(error as Error).message}`, error)
        return this.#settleAfterFailure(waiters)
      }
      try {
        await datasync(descriptor)
      } catch (error) {
        this.#fail(`store sync failed; restart the gateway to recover: ${(error as Error).message}`, error)
        return this.#settleAfterFailure(waiters)
      }
      // The WAL may have been deleted while this batch was written: synced into a file a
      // restart never reads.
      if (!this.#failure) this.#checkFiles()
      if (this.#failure) return this.#settleAfterFailure(waiters)
      this.#durableSeq = Math.max(this.#durableSeq, upTo)
      for (const waiter of waiters) waiter.resolve('stored')
      if (touched.size) this.#options.onCommitted(touched, batch.length === 1 ? batch[0]!.fresh : batch.flatMap((committed) => committed.fresh))
    } finally {
      this.#syncingWaiters = []
      this.#pacing.ended()
    }
  }

  /** Committed but unacknowledged writes, after a failure: acknowledged only if made durable anyway. */
  #settleAfterFailure(waiters: Waiter[]): void {
    for (const waiter of waiters) {
      if (this.#rescued) waiter.resolve('stored')
      else waiter.reject(this.#failure!)
    }
  }

  /** True (and the store failed) once the store's files are not the ones it opened. */
  #checkFiles(): boolean {
    if (this.#failure) return true
    if (!this.#files || this.#closed) return false
    let problem
    try {
      problem = this.#files.problem()
    } catch (error) {
      // ENOTDIR, EACCES, EIO…: the file cannot even be looked at, so it cannot be trusted.
      problem = { file: 'db' as const, text: `the store file ${this.#files.dbPath} cannot be checked (${(error as Error).message})` }
    }
    if (problem) this.#fail(problem.text, undefined, problem)
    return problem !== undefined
  }

  /** Stops all acknowledgements; what was committed but not acknowledged is rescued or removed (rescue.ts). */
  #fail(reason: string, cause?: unknown, files?: FileProblem): void {
    if (this.#failure) return
    this.#failure = new StoreUnavailableError(`${reason}; nothing more is acknowledged until the gateway is restarted`, { cause })
    const seqs = [...this.#syncingWaiters, ...this.#syncs.queued.flatMap((committed) => committed.waiters)].flatMap((waiter) =>
      waiter.seq === undefined ? [] : [waiter.seq],
    )
    const outcome = rescueAfterFailure(this.#db, this.#files?.dbPath, files?.file, seqs)
    this.#rescued = outcome.durable
    this.#options.warn?.('the store stopped acknowledging callbacks (answered 503) and delivering; restart the gateway once the cause is fixed', {
      reason,
      ...outcome.fields,
    })
  }

  /** Lands what is queued (outcomes), waits for the syncs and for a lock held elsewhere (bounded), then refuses the rest. */
  async close(): Promise<void> {
    clearInterval(this.#checkTimer)
    this.#closing = true
    this.#pacing.stop()
    // Writes waiting for another process's lock keep their deadline (lockWaitMs at most).
    for (;;) {
      if (this.#queue.length > 0) {
        if (this.#lockTimer) await new Promise((resolve) => setTimeout(resolve, this.#lockDelay + 1))
        else this.#flush()
        continue
      }
      await this.#syncs.drain()
      if (this.#queue.length === 0) break
    }
    clearTimeout(this.#lockTimer)
    this.#closed = true
    for (const waiter of this.#queue.splice(0)) waiter.reject(new StoreUnavailableError('store is closed'))
    // Writes made outside the queue (the CLI's replay and purge) are synced before close too.
    if (this.#options.syncWal && !this.#failure && this.#files) {
      try {
        await datasync(this.#files.walDescriptor())
      } catch {
        // No WAL (nothing written): nothing to sync.
      }
    }
  }
}
