/** The dedup window's typed-array table (src/store/sqlite/key-table.ts) and the window on top of it. */
import { describe, expect, it } from 'bun:test'
import { createHash, randomBytes } from 'node:crypto'
import { dedupKey } from '../../src/ingress/dedup-key.ts'
import { DedupWindow } from '../../src/store/sqlite/dedup-window.ts'
import { bucketOf, digestKey, KeyTable } from '../../src/store/sqlite/key-table.ts'
import type { AppendResult } from '../../src/store/store.ts'

function randomKey(): Uint32Array {
  return new Uint32Array(randomBytes(16).buffer.slice(0, 16))
}

function home(key: Uint32Array, bits: number): number {
  return bucketOf(key[0]!, key[1]!, key[2]!, key[3]!, bits)
}

/** Random keys whose home bucket, in an index of 2^bits, is `bucket`. */
function keysAt(bucket: number, bits: number, count: number): Uint32Array[] {
  const found: Uint32Array[] = []
  while (found.length < count) {
    const key = randomKey()
    if (home(key, bits) === bucket) found.push(key)
  }
  return found
}

function times(table: KeyTable): number[] {
  return [...table.slots()].map((slot) => table.timeOf(slot))
}

describe('digestKey', () => {
  it('decodes a key in dedupKey form to its 128 bits, and hashes any other string once', () => {
    const key = dedupKey('Live.CallbackAfterDestroyRoom', { RoomId: 'r1' }, '1400000000')
    expect(key).toHaveLength(22)
    const bytes = (text: string) => Buffer.from(Uint32Array.from(digestKey(text)).buffer)
    expect(bytes(key)).toEqual(Buffer.from(key, 'base64url'))
    expect(bytes('k-old')).toEqual(createHash('sha256').update('k-old').digest().subarray(0, 16))
    expect(bytes('k-old')).not.toEqual(bytes('k-new'))
  })

  it('hashes a non-canonical 22-character form, which base64url would decode to the same bits as another key', () => {
    const canonical = 'AAAAAAAAAAAAAAAAAAAAAA'
    const loose = 'AAAAAAAAAAAAAAAAAAAAAB'
    expect(Buffer.from(loose, 'base64url')).toEqual(Buffer.from(canonical, 'base64url'))
    const a = Uint32Array.from(digestKey(canonical))
    expect([...a]).toEqual([0, 0, 0, 0])
    expect([...digestKey(loose)]).not.toEqual([...a])
  })
})

describe('KeyTable', () => {
  it('finds keys that share a home bucket, through deletes in any position (backward shift)', () => {
    const table = new KeyTable(8)
    expect(table.indexBits).toBe(4)
    const [a, b, c] = keysAt(5, 4, 3)
    const [d] = keysAt(6, 4, 1)
    // a at 5, b at 6, c at 7, d (home 6) at 8
    for (const [i, key] of [a!, b!, c!, d!].entries()) table.add(key, i)
    expect([a, b, c, d].map((key) => table.timeOf(table.find(key!)))).toEqual([0, 1, 2, 3])
    table.delete(table.find(a!))
    expect(table.find(a!)).toBe(-1)
    expect([b, c, d].map((key) => table.timeOf(table.find(key!)))).toEqual([1, 2, 3])
    table.delete(table.find(c!))
    expect([b, d].map((key) => table.timeOf(table.find(key!)))).toEqual([1, 3])
    expect(table.find(c!)).toBe(-1)
    expect(table.size).toBe(2)
  })

  it('probes past the end of the index to its start, and shifts back across it', () => {
    const table = new KeyTable(8)
    const [a, b, c] = keysAt(15, 4, 3)
    const [z] = keysAt(0, 4, 1)
    // a at 15, b at 0, c at 1, z (home 0) at 2
    for (const [i, key] of [a!, b!, c!, z!].entries()) table.add(key, i)
    expect([a, b, c, z].map((key) => table.timeOf(table.find(key!)))).toEqual([0, 1, 2, 3])
    table.delete(table.find(a!))
    table.delete(table.find(b!))
    expect([c, z].map((key) => table.timeOf(table.find(key!)))).toEqual([2, 3])
    expect([a, b].map((key) => table.find(key!))).toEqual([-1, -1])
  })

  it('evicts the oldest at the cap, a re-added key counting as the newest, and tells onRelease', () => {
    const released: number[] = []
    const table = new KeyTable(3, (slot) => released.push(slot))
    const keys = [randomKey(), randomKey(), randomKey(), randomKey(), randomKey()]
    const slots = keys.slice(0, 3).map((key, i) => table.add(key, i))
    table.add(keys[0]!, 10)
    expect(released).toEqual([slots[0]!])
    expect(times(table)).toEqual([1, 2, 10])
    table.add(keys[3]!, 11)
    expect(released).toEqual([slots[0]!, slots[1]!])
    expect(table.find(keys[1]!)).toBe(-1)
    table.add(keys[4]!, 12)
    expect(table.find(keys[2]!)).toBe(-1)
    expect(times(table)).toEqual([10, 11, 12])
    expect(table.size).toBe(3)
  })

  it('sweeps from the oldest while expired, and stops at the first key that is not', () => {
    const table = new KeyTable(8)
    const keys = [randomKey(), randomKey(), randomKey(), randomKey()]
    ;[10, 20, 30, 5].forEach((time, i) => table.add(keys[i]!, time))
    table.sweep(20)
    expect(times(table)).toEqual([30, 5])
    expect(table.find(keys[1]!)).toBe(-1)
    table.sweep(30)
    expect(table.size).toBe(0)
    expect([...table.slots()]).toEqual([])
    table.add(keys[0]!, 40)
    expect(times(table)).toEqual([40])
  })

  it('reuses a deleted key’s slot, and a deleted key can come back as the newest', () => {
    const table = new KeyTable(8)
    const [a, b] = [randomKey(), randomKey()]
    const slot = table.add(a, 1)
    table.add(b, 2)
    table.delete(slot)
    expect(table.find(a)).toBe(-1)
    expect(table.add(randomKey(), 3)).toBe(slot)
    table.add(a, 4)
    expect(times(table)).toEqual([2, 3, 4])
    expect(table.timeOf(table.find(a))).toBe(4)
  })

  it('holds maxKeys keys at once, every one found in its slot, then evicts', () => {
    const table = new KeyTable(5000)
    const keys = Array.from({ length: 5001 }, () => randomKey())
    const slots = keys.slice(0, 5000).map((key, i) => table.add(key, i))
    expect(table.indexBits).toBe(14)
    expect(keys.slice(0, 5000).every((key, i) => table.find(key) === slots[i])).toBe(true)
    table.add(keys[5000]!, 5000)
    expect(table.find(keys[0]!)).toBe(-1)
    expect(table.find(keys[5000]!)).toBe(slots[0]!)
    expect(table.size).toBe(5000)
  })

  it('agrees with an insertion-ordered Map through random adds, deletes and sweeps on one crowded cluster', () => {
    const table = new KeyTable(8)
    // 16 buckets; every key's home is 14, 15, 0 or 1, so probes wrap and clusters merge.
    const pool = [14, 15, 0, 1].flatMap((bucket) => keysAt(bucket, 4, 3))
    const model = new Map<number, number>()
    let clock = 0
    for (let step = 0; step < 3000; step++) {
      const i = Math.floor(Math.random() * pool.length)
      const roll = Math.random()
      if (roll < 0.6) {
        clock++
        table.add(pool[i]!, clock)
        model.delete(i)
        model.set(i, clock)
        if (model.size > 8) model.delete(model.keys().next().value!)
      } else if (roll < 0.95) {
        const slot = table.find(pool[i]!)
        expect(slot >= 0).toBe(model.has(i))
        if (slot >= 0) table.delete(slot)
        model.delete(i)
      } else {
        const cutoff = clock - 5
        table.sweep(cutoff)
        for (const [k, time] of model) {
          if (time > cutoff) break
          model.delete(k)
        }
      }
      expect(pool.map((key) => (table.find(key) >= 0 ? table.timeOf(table.find(key)) : -1))).toEqual(pool.map((_, k) => model.get(k) ?? -1))
      expect(times(table)).toEqual([...model.values()])
    }
  })
})

describe('DedupWindow on the table', () => {
  const stored = () => Promise.resolve<AppendResult>('stored')

  it('rebuilds from rows newest first: stops at the cap and at the window, the newer row of a key wins', async () => {
    const window = new DedupWindow(60_000, 3)
    const now = Date.now()
    const row = (key: string | null, ago: number, decision: string | null = null) => ({ dedup_key: key, received_at: now - ago, decision })
    window.load([row('k1', 1, 'new'), row(null, 2), row('k2', 3), row('k1', 4, 'old'), row('k3', 5), row('k4', 70_000)])
    expect(window.size).toBe(2)
    expect(await window.recall('k1', now)).toBe('new')
    expect(await window.append('k2', now, undefined, stored)).toBe('duplicate')
    expect(await window.append('k3', now, undefined, stored)).toBe('stored')
    window.close()
  })

  it('lets a decision leave with its evicted key: a key that takes its slot recalls nothing', async () => {
    const window = new DedupWindow(60_000, 1)
    const now = Date.now()
    expect(await window.append('k1', now, 'd1', stored)).toBe('stored')
    expect(await window.recall('k1', now)).toBe('d1')
    expect(await window.append('k2', now, undefined, stored)).toBe('stored')
    expect(await window.recall('k2', now)).toBeUndefined()
    expect(await window.recall('k1', now)).toBeUndefined()
    expect(await window.append('k1', now, undefined, stored)).toBe('stored')
    window.close()
  })

  it('frees a key whose first commit failed, and a copy sent meanwhile shares that fate', async () => {
    const window = new DedupWindow(60_000)
    const now = Date.now()
    let fail!: (error: Error) => void
    const first = window.append('k', now, 'd', () => new Promise<AppendResult>((_, reject) => (fail = reject)))
    const copy = window.append('k', now + 1, undefined, stored)
    const settled = Promise.allSettled([first, copy])
    fail(new Error('disk'))
    expect((await settled).map((result) => result.status)).toEqual(['rejected', 'rejected'])
    await expect(copy).rejects.toThrow('disk')
    expect(window.size).toBe(0)
    expect(await window.recall('k', now)).toBeUndefined()
    expect(await window.append('k', now + 2, undefined, stored)).toBe('stored')
    window.close()
  })
})
