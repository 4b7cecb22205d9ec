/**
 * The file logger's group commit: lines added while a flush is pending or running are
 * written together, so N concurrent deliveries cost one append and one fdatasync instead of N
 * of each. The batching is the gateway's one GroupCommit (src/group-commit.ts).
 */
import { GroupCommit } from '../../src/group-commit.ts'

interface Line {
  text: string
  resolve: () => void
  reject: (error: unknown) => void
}

export interface LineCommit {
  /** Queues `line`; resolves once the flush that carried it has finished. */
  add(line: string): Promise<void>
  /** Resolves when every flush started so far has finished (successfully or not). */
  drain(): Promise<void>
}

export function createGroupCommit(flush: (lines: string[]) => Promise<void>): LineCommit {
  // A failed flush rejects its own callers only; the next batch still runs.
  const commits = new GroupCommit<Line>(async function flushLines(batch) {
    try {
      await flush(batch.map((line) => line.text))
      for (const line of batch) line.resolve()
    } catch (error) {
      for (const line of batch) line.reject(error)
    }
  })
  return {
    add: (text) => new Promise<void>((resolve, reject) => commits.add({ text, resolve, reject })),
    drain: () => commits.drain(),
  }
}
