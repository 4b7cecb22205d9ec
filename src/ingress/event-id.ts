/**
 * Event ids: UUIDv7 (RFC 9562 §5.7), so ids sort by arrival time and index well, and
 * are unique across instances sharing a store.
 */
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

// Random bytes drawn 4 KiB at a time: one getRandomValues call per 256 ids, not per id.
const POOL = new Uint8Array(4096)
let poolOffset = POOL.length

export function uuidv7(now = Date.now()): string {
  if (poolOffset + 16 > POOL.length) {
    crypto.getRandomValues(POOL)
    poolOffset = 0
  }
  const bytes = POOL.subarray(poolOffset, poolOffset + 16)
  poolOffset += 16
  let ms = now
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  let out = ''
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-'
    out += HEX[bytes[i]!]
  }
  return out
}
