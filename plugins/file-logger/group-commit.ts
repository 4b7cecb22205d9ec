/**
 * Group commit: lines added while a flush is pending or running are written together,
 * so N concurrent deliveries cost one append and one fdatasync instead of N of each.
 */

interface Batch {
  lines: string[]
  done: Promise<void>
}

export interface GroupCommit {
  /** Queues `line`; resolves once the flush that carried it has finished. */
  add(line: string): Promise<void>
  /** Resolves when every flush started so far has finished (successfully or not). */
  drain(): Promise<void>
}

export function createGroupCommit(flush: (lines: string[]) => Promise<void>): GroupCommit {
  // The batch still collecting lines; it stops collecting when its flush starts.
  let collecting: Batch | undefined
  // The last flush started; flushes run one after another, never overlapping.
  let tail: Promise<void> = Promise.resolve()

  function add(line: string): Promise<void> {
    if (collecting) {
      collecting.lines.push(line)
      return collecting.done
    }
    const batch = { lines: [line] } as Batch
    collecting = batch
    // `then` runs no earlier than the next microtask, and only after the previous flush,
    // so every line added meanwhile joins this batch.
    batch.done = tail.then(function startFlush() {
      if (collecting === batch) collecting = undefined
      return flush(batch.lines)
    })
    // A failed flush rejects its own callers only; the next batch still runs.
    tail = batch.done.catch(() => {})
    return batch.done
  }

  return {
    add,
    drain: () => tail,
  }
}
