/**
 * The SQLite store's dedup window (src/store/sqlite/dedup-window.ts), its memory and CPU: the
 * typed-array window against the Map-based one it replaced, each in its own process. Each fills
 * the window to its cap with keys made by dedupKey, as the ingress makes them, and reports the
 * growth of the JavaScript heap (Bun counts typed arrays in it) and of RSS after a full GC,
 * divided by the keys; a third process, the new window capped at one key and fed the same,
 * gives the RSS that making the keys leaves behind, taken off the other two. Then CPU per call: append of a new key below the cap and at it (where it
 * evicts the oldest), append of a duplicate, recall of a held key.
 *
 *   npx bun bench/dedup-memory.ts        (DEDUP_KEYS=200000 by default: the window's cap)
 */
import { dedupKey } from '../src/ingress/dedup-key.ts'
import { DedupWindow } from '../src/store/sqlite/dedup-window.ts'
import { DedupWindow as MapWindow } from './baselines/map-dedup-window.ts'
import type { AppendResult } from '../src/store/store.ts'

const KEYS = Number(process.env.DEDUP_KEYS ?? 200_000)
const WINDOW_MS = 600_000
const BATCH = 10_000

interface Window {
  append(key: string, receivedAt: number, decision: string | undefined, store: () => Promise<AppendResult>): Promise<AppendResult>
  recall(key: string, receivedAt: number): Promise<string | undefined>
  close(): void
}

const stored = () => Promise.resolve<AppendResult>('stored')

const key = (i: number) => dedupKey('Live.CallbackAfterDestroyRoom', { RoomId: `room-${i}`, EventTime: 1703589922780 }, '1400000000')

function heap(): { heap: number; rss: number } {
  Bun.gc(true)
  Bun.gc(true)
  const usage = process.memoryUsage()
  return { heap: usage.heapUsed, rss: usage.rss }
}

/** CPU µs per call of `call` over keys[from, to), settling the promises every BATCH calls. */
async function cpuPerCall(from: number, to: number, call: (i: number) => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage()
  for (let i = from; i < to; i += BATCH) {
    const batch: Promise<unknown>[] = []
    for (let j = i; j < Math.min(to, i + BATCH); j++) batch.push(call(j))
    await Promise.all(batch)
  }
  const used = process.cpuUsage(start)
  return (used.user + used.system) / (to - from)
}

/** `control` is the new window capped at one key: the same calls, and RSS for the garbage of making the keys. */
async function measure(kind: 'old' | 'new' | 'control'): Promise<Record<string, number>> {
  const now = Date.now()
  const open = (): Window => (kind === 'old' ? new MapWindow(WINDOW_MS, KEYS) : new DedupWindow(WINDOW_MS, kind === 'new' ? KEYS : 1))
  const before = heap()
  let window = open()
  for (let i = 0; i < KEYS; i += BATCH) {
    const batch: Promise<AppendResult>[] = []
    for (let j = i; j < Math.min(KEYS, i + BATCH); j++) batch.push(window.append(key(j), now, undefined, stored))
    if ((await Promise.all(batch)).some((result) => result !== 'stored')) throw new Error('a distinct key was taken for a duplicate')
    // Collected batch by batch, so RSS holds the window and not the garbage of making its keys.
    Bun.gc(true)
  }
  const after = heap()
  window.close()
  // CPU in a second window, with the keys made beforehand: dedupKey's own cost is not the window's.
  window = open()
  const keys = Array.from({ length: 2 * KEYS }, (_, i) => key(KEYS + i))
  const belowCap = await cpuPerCall(0, KEYS, (i) => window.append(keys[i]!, now, undefined, stored))
  const atCap = await cpuPerCall(KEYS, 2 * KEYS, (i) => window.append(keys[i]!, now, undefined, stored))
  const duplicate = await cpuPerCall(KEYS, 2 * KEYS, (i) => window.append(keys[i]!, now, undefined, stored))
  const recall = await cpuPerCall(KEYS, 2 * KEYS, (i) => window.recall(keys[i]!, now))
  const first = await window.append(keys[0]!, now, undefined, stored)
  if (first !== 'stored') throw new Error('the oldest key was not evicted at the cap')
  window.close()
  return {
    heapBytesPerKey: (after.heap - before.heap) / KEYS,
    rssBytesPerKey: (after.rss - before.rss) / KEYS,
    appendBelowCapUs: belowCap,
    appendAtCapUs: atCap,
    appendDuplicateUs: duplicate,
    recallUs: recall,
  }
}

const mode = process.argv[2]
if (mode === 'old' || mode === 'new' || mode === 'control') {
  console.log(JSON.stringify(await measure(mode)))
} else {
  const results: Record<string, Record<string, number>> = {}
  for (const kind of ['control', 'old', 'new']) {
    const child = Bun.spawnSync([process.execPath, import.meta.path, kind], { stderr: 'inherit' })
    if (child.exitCode !== 0) throw new Error(`${kind} exited with ${child.exitCode}`)
    results[kind] = JSON.parse(child.stdout.toString().trim().split('\n').pop()!)
  }
  const row = (label: string, field: string, digits: number) =>
    `| ${label} | ${results.old![field]!.toFixed(digits)} | ${results.new![field]!.toFixed(digits)} |`
  console.log(`\ndedup window filled to ${KEYS} keys (old: Map of key strings; new: key table)\n`)
  console.log('| figure | old | new |')
  console.log('| --- | --- | --- |')
  console.log(row('heap bytes per key (after full GC)', 'heapBytesPerKey', 1))
  for (const kind of ['old', 'new']) results[kind]!.rssLessControlBytesPerKey = results[kind]!.rssBytesPerKey! - results.control!.rssBytesPerKey!
  console.log(row('RSS bytes per key', 'rssBytesPerKey', 1))
  console.log(
    `| RSS bytes per key, less a window of one key fed the same (${results.control!.rssBytesPerKey!.toFixed(1)}) | ${results.old!.rssLessControlBytesPerKey!.toFixed(1)} | ${results.new!.rssLessControlBytesPerKey!.toFixed(1)} |`,
  )
  console.log(row('µs CPU per append, new key, below the cap', 'appendBelowCapUs', 3))
  console.log(row('µs CPU per append, new key at the cap (evicts the oldest)', 'appendAtCapUs', 3))
  console.log(row('µs CPU per append, duplicate', 'appendDuplicateUs', 3))
  console.log(row('µs CPU per recall', 'recallUs', 3))
  console.log(JSON.stringify({ keys: KEYS, ...results }))
}
