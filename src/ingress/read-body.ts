/**
 * Reads a request body with a size limit and a deadline. The limit holds for chunked
 * bodies too (RFC 9112 §7.1: no Content-Length), by counting bytes as they arrive and
 * stopping at the first byte over; a declared Content-Length over the limit is refused
 * before anything is read.
 */

import { withTimeout } from '../timeout.ts'
import { concatBytes } from '../bytes.ts'

export type BodyResult = { ok: true; text: string } | { ok: false; reason: 'too-large' | 'timeout' | 'not-utf8' | 'aborted' }

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function decode(bytes: Uint8Array): BodyResult {
  try {
    return { ok: true, text: decoder.decode(bytes) }
  } catch {
    return { ok: false, reason: 'not-utf8' }
  }
}

async function readAll(request: Request, maxBytes: number): Promise<BodyResult> {
  const declared = request.headers.get('content-length')
  if (declared !== null && /^\d+$/.test(declared)) {
    if (Number(declared) > maxBytes) return { ok: false, reason: 'too-large' }
    // Trusted length within the limit: the runtime reads exactly that many bytes.
    return decode(new Uint8Array(await request.arrayBuffer()))
  }
  if (!request.body) return { ok: true, text: '' }
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      void reader.cancel().catch(() => {})
      return { ok: false, reason: 'too-large' }
    }
    chunks.push(value)
  }
  return decode(concatBytes(chunks, size))
}

export function readBody(request: Request, maxBytes: number, timeoutMs: number): Promise<BodyResult> {
  const read = readAll(request, maxBytes).catch((): BodyResult => ({ ok: false, reason: 'aborted' }))
  return withTimeout(read, timeoutMs, (): BodyResult => ({ ok: false, reason: 'timeout' }))
}
