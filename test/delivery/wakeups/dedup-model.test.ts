/**
 * Review of aa665f9: the typed-array DedupWindow against the Map-based window it replaced
 * (bench/baselines/map-dedup-window.ts, copied from aa665f9^), through random appends, failed
 * commits, recalls, evictions at a small cap, and a rebuild (load) with more rows than the cap.
 */
import { describe, expect, it } from 'bun:test'
import { createHash } from 'node:crypto'
import { DedupWindow } from '../../../src/store/sqlite/dedup-window.ts'
import type { AppendResult } from '../../../src/store/store.ts'
import { DedupWindow as OldWindow } from '../../../bench/baselines/map-dedup-window.ts'

const key = (i: number) => createHash('sha256').update(`k${i}`).digest().subarray(0, 16).toString('base64url')

type Op = { kind: 'append'; k: number; t: number; fail: boolean; decision?: string } | { kind: 'recall'; k: number; t: number } | { kind: 'tick' }

function seeded(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

async function run(window: { append: DedupWindow['append']; recall: DedupWindow['recall'] }, ops: Op[]): Promise<string[]> {
  const out: string[] = []
  const pending: Array<Promise<void>> = []
  // Commits settle one tick later, in order, so duplicates meet first copies still pending.
  let settle: Array<() => void> = []
  for (const [i, op] of ops.entries()) {
    if (op.kind === 'tick') {
      for (const f of settle.splice(0)) f()
      await Promise.resolve()
      await Promise.resolve()
      continue
    }
    if (op.kind === 'append') {
      const p = window.append(
        key(op.k),
        op.t,
        op.decision,
        () => new Promise<AppendResult>((resolve, reject) => settle.push(() => (op.fail ? reject(new Error('refused')) : resolve('stored')))),
      )
      pending.push(
        p.then(
          (r) => void (out[i] = `append ${op.k}@${op.t}: ${r}`),
          () => void (out[i] = `append ${op.k}@${op.t}: failed`),
        ),
      )
    } else {
      pending.push(window.recall(key(op.k), op.t).then((d) => void (out[i] = `recall ${op.k}@${op.t}: ${d}`)))
    }
  }
  for (const f of settle.splice(0)) f()
  await Promise.all(pending)
  return out
}

describe('DedupWindow (key table) against the Map window it replaced', () => {
  for (const [cap, keys, windowMs] of [
    [4, 12, 50],
    [16, 40, 200],
    [64, 100, 1_000_000],
    [1, 3, 30],
  ] as const)
    it(`agrees through random appends, failures, recalls and evictions (cap ${cap}, ${keys} keys, window ${windowMs} ms)`, async () => {
      for (let seed = 1; seed <= 40; seed++) {
        const random = seeded(seed * 7919 + cap)
        const ops: Op[] = []
        let t = 1000
        for (let n = 0; n < 400; n++) {
          const roll = random()
          t += Math.floor(random() * 5)
          const k = Math.floor(random() * keys)
          if (roll < 0.55) ops.push({ kind: 'append', k, t, fail: random() < 0.15, decision: random() < 0.5 ? `d${n}` : undefined })
          else if (roll < 0.85) ops.push({ kind: 'recall', k, t })
          else ops.push({ kind: 'tick' })
        }
        const now = new DedupWindow(windowMs, cap)
        const old = new OldWindow(windowMs, cap)
        try {
          expect({ seed, out: await run(now, ops) }).toEqual({ seed, out: await run(old, ops) })
        } finally {
          now.close()
          old.close()
        }
      }
    })

  it('rebuilds like the old window from more rows than the cap, with repeated keys and decisions', async () => {
    const random = seeded(42)
    const base = Date.now()
    const rows = Array.from({ length: 300 }, (_, i) => ({
      dedup_key: random() < 0.1 ? null : key(Math.floor(random() * 120)),
      received_at: base - (300 - i) * 10,
      decision: random() < 0.5 ? `d${i}` : null,
    })).reverse()
    const now = new DedupWindow(60_000, 50)
    const old = new OldWindow(60_000, 50)
    now.load(rows)
    old.load(rows)
    const probe = async (w: { recall: DedupWindow['recall'] }) => Promise.all(Array.from({ length: 120 }, (_, k) => w.recall(key(k), base)))
    expect(await probe(now)).toEqual(await probe(old))
    expect(now.size).toBe(
      Math.min(
        50,
        new Set(
          rows
            .filter((r) => r.dedup_key)
            .slice(0, 50)
            .map((r) => r.dedup_key),
        ).size,
      ),
    )
    now.close()
    old.close()
  })
})

describe('KeyTable at scale against an insertion-ordered Map', () => {
  it('agrees through 200,000 random adds, re-adds, deletes and sweeps at cap 1,000 (tiny index bits force wrap-around)', async () => {
    const { KeyTable } = await import('../../../src/store/sqlite/key-table.ts')
    const random = seeded(99)
    const released: number[] = []
    const table = new KeyTable(1000, (slot) => released.push(slot))
    const pool = Array.from({ length: 3000 }, () => Uint32Array.from({ length: 4 }, () => Math.floor(random() * 2 ** 32)))
    const model = new Map<number, number>()
    let clock = 0
    for (let step = 0; step < 200_000; step++) {
      const i = Math.floor(random() * pool.length)
      const roll = random()
      if (roll < 0.7) {
        clock++
        table.add(pool[i]!, clock)
        model.delete(i)
        model.set(i, clock)
        if (model.size > 1000) model.delete(model.keys().next().value!)
      } else if (roll < 0.98) {
        const slot = table.find(pool[i]!)
        if (slot >= 0 !== model.has(i)) throw new Error(`step ${step}: find disagrees for key ${i}`)
        if (slot >= 0) table.delete(slot)
        model.delete(i)
      } else {
        const cutoff = clock - 300
        table.sweep(cutoff)
        for (const [k, time] of model) {
          if (time > cutoff) break
          model.delete(k)
        }
      }
      if (table.size !== model.size) throw new Error(`step ${step}: size ${table.size} != ${model.size}`)
      if (step % 5000 === 0) {
        for (let k = 0; k < pool.length; k++) {
          const slot = table.find(pool[k]!)
          const want = model.get(k)
          if ((slot >= 0 ? table.timeOf(slot) : undefined) !== want) throw new Error(`step ${step}: key ${k} ${slot} vs ${want}`)
        }
        expect([...table.slots()].map((s) => table.timeOf(s))).toEqual([...model.values()])
      }
    }
  })
})
