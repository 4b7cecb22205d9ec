/**
 * The dedup window's table (dedup-window.ts): up to `maxKeys` 128-bit keys, each with a time, in
 * arrival order, with no JavaScript object or string per key. One slot per key; a slot keeps its
 * number while it is used (the window keys its decisions by slot).
 *
 *   keys          Uint32Array, 4 words a slot: the key
 *   times         Float64Array: the key's receivedAt
 *   newer, older  Int32Array: the arrival list, doubly linked through the slots, oldest first;
 *                 a free slot's `newer` links the free list
 *   index         Int32Array, a power of two ≥ 2 × maxKeys: slot + 1, or 0 for empty. Open
 *                 addressing, linear probing, deletion by backward shift (no tombstones).
 *
 * 32 bytes a slot plus 8 to 16 of index, ≤ 48 bytes a key (at 200,000 keys: 42.5). The arrays
 * are allocated for maxKeys at once; the system maps their pages as they are first written, so an
 * idle window takes no memory (slots are handed out in order, the index fills at random).
 */
import { createHash } from 'node:crypto'

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const SIXBITS = new Int8Array(128).fill(-1)
for (let i = 0; i < 64; i++) SIXBITS[BASE64URL.charCodeAt(i)] = i
const digestBytes = new Uint8Array(16)
const digestWords = new Uint32Array(digestBytes.buffer)

/**
 * A dedup key as 128 bits, in a buffer shared by every call (valid until the next). A key in
 * dedupKey's form (22 characters of base64url: the first 128 bits of a SHA-256) is decoded as it
 * is; any other string is hashed once with SHA-256. Either way the bits are a cryptographic hash,
 * so two distinct keys share 128 bits with a chance of about n²/2^129 for n keys: 6·10⁻²⁹ for a
 * full window of 200,000, where a collision would drop one callback as a duplicate.
 */
export function digestKey(key: string): Uint32Array {
  if (key.length !== 22 || !decodeBase64url22(key)) digestBytes.set(createHash('sha256').update(key).digest().subarray(0, 16))
  return digestWords
}

/** Only the canonical form (the 4 bits left over are 0), so the decoding is one to one. */
function decodeBase64url22(key: string): boolean {
  let acc = 0
  let bits = 0
  let at = 0
  for (let i = 0; i < 22; i++) {
    const code = key.charCodeAt(i)
    const six = code < 128 ? SIXBITS[code]! : -1
    if (six < 0) return false
    acc = (acc << 6) | six
    bits += 6
    if (bits >= 8) {
      bits -= 8
      digestBytes[at++] = acc >>> bits
      acc &= (1 << bits) - 1
    }
  }
  return acc === 0
}

/** The home bucket of a key in an index of 2^bits entries (Fibonacci hashing of the mixed words). */
export function bucketOf(k0: number, k1: number, k2: number, k3: number, bits: number): number {
  return Math.imul(k0 ^ Math.imul(k1, 0x85ebca6b) ^ Math.imul(k2, 0xc2b2ae35) ^ Math.imul(k3, 0x27d4eb2f), 0x9e3779b1) >>> (32 - bits)
}

export class KeyTable {
  #keys: Uint32Array
  #times: Float64Array
  #newer: Int32Array
  #older: Int32Array
  #index: Int32Array
  #bits = 0
  #size = 0
  /** Slots handed out so far, in order; the ones at and past it have never been written. */
  #used = 0
  #free = -1
  #oldest = -1
  #newest = -1

  /** `onRelease` hears of every slot that leaves the table: deleted, evicted or swept. */
  constructor(
    readonly maxKeys: number,
    private readonly onRelease: (slot: number) => void = () => {},
  ) {
    if (!(maxKeys >= 1)) throw new Error(`maxKeys must be at least 1, got ${maxKeys}`)
    this.#keys = new Uint32Array(maxKeys * 4)
    this.#times = new Float64Array(maxKeys)
    this.#newer = new Int32Array(maxKeys)
    this.#older = new Int32Array(maxKeys)
    this.#bits = Math.max(4, Math.ceil(Math.log2(maxKeys * 2)))
    this.#index = new Int32Array(1 << this.#bits)
  }

  get size(): number {
    return this.#size
  }

  /** log2 of the index's length: bucketOf(…, indexBits) is a key's home. */
  get indexBits(): number {
    return this.#bits
  }

  /** The slot holding `key` (4 words), or -1. */
  find(key: Uint32Array): number {
    const index = this.#index
    const keys = this.#keys
    const mask = index.length - 1
    const k0 = key[0]!
    const k1 = key[1]!
    const k2 = key[2]!
    const k3 = key[3]!
    for (let at = bucketOf(k0, k1, k2, k3, this.#bits); ; at = (at + 1) & mask) {
      const entry = index[at]!
      if (entry === 0) return -1
      const w = (entry - 1) * 4
      if (keys[w] === k0 && keys[w + 1] === k1 && keys[w + 2] === k2 && keys[w + 3] === k3) return entry - 1
    }
  }

  timeOf(slot: number): number {
    return this.#times[slot]!
  }

  /** Copies the key of `slot` into `out` (4 words). */
  keyOf(slot: number, out = new Uint32Array(4)): Uint32Array {
    out.set(this.#keys.subarray(slot * 4, slot * 4 + 4))
    return out
  }

  /** Adds `key` as the newest, replacing its entry if it has one and evicting the oldest when full; gives its slot. */
  add(key: Uint32Array, time: number): number {
    const existing = this.find(key)
    if (existing >= 0) this.delete(existing)
    if (this.#size >= this.maxKeys) this.delete(this.#oldest)
    const slot = this.#allocate()
    this.#keys.set(key.subarray(0, 4), slot * 4)
    this.#times[slot] = time
    this.#newer[slot] = -1
    this.#older[slot] = this.#newest
    if (this.#newest >= 0) this.#newer[this.#newest] = slot
    else this.#oldest = slot
    this.#newest = slot
    this.#size++
    this.#place(slot)
    return slot
  }

  /** Removes the key in `slot` (which must be in use). */
  delete(slot: number): void {
    this.#unindex(slot)
    const newer = this.#newer[slot]!
    const older = this.#older[slot]!
    if (older >= 0) this.#newer[older] = newer
    else this.#oldest = newer
    if (newer >= 0) this.#older[newer] = older
    else this.#newest = older
    this.#newer[slot] = this.#free
    this.#free = slot
    this.#size--
    this.onRelease(slot)
  }

  /** Removes keys from the oldest on while their time is ≤ `cutoff`; stops at the first newer one. */
  sweep(cutoff: number): void {
    while (this.#oldest >= 0 && this.#times[this.#oldest]! <= cutoff) this.delete(this.#oldest)
  }

  /** The used slots, oldest first. */
  *slots(): Generator<number> {
    for (let slot = this.#oldest; slot >= 0; slot = this.#newer[slot]!) yield slot
  }

  #allocate(): number {
    if (this.#free >= 0) {
      const slot = this.#free
      this.#free = this.#newer[slot]!
      return slot
    }
    return this.#used++
  }

  #home(slot: number): number {
    const keys = this.#keys
    const w = slot * 4
    return bucketOf(keys[w]!, keys[w + 1]!, keys[w + 2]!, keys[w + 3]!, this.#bits)
  }

  #place(slot: number): void {
    const index = this.#index
    const mask = index.length - 1
    let at = this.#home(slot)
    while (index[at] !== 0) at = (at + 1) & mask
    index[at] = slot + 1
  }

  /**
   * Takes `slot` out of the index by backward shift: each entry after the hole, up to the next
   * empty one, moves back into the hole unless that would put it before its home bucket.
   */
  #unindex(slot: number): void {
    const index = this.#index
    const mask = index.length - 1
    let hole = this.#home(slot)
    while (index[hole] !== slot + 1) hole = (hole + 1) & mask
    for (let at = (hole + 1) & mask; index[at] !== 0; at = (at + 1) & mask) {
      const entry = index[at]!
      // The entry may fill the hole if the hole lies on its probe path: home ≤ hole < at, cyclically.
      if (((at - this.#home(entry - 1)) & mask) >= ((at - hole) & mask)) {
        index[hole] = entry
        hole = at
      }
    }
    index[hole] = 0
  }
}
