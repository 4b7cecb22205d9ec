/**
 * Reads a request body with a size limit and a deadline. The limit holds for chunked
 * bodies too (RFC 9112 §7.1: no Content-Length), by counting bytes as they arrive and
 * stopping at the first byte over; a declared Content-Length over the limit is refused
 * before anything is read.
 */

import { withTimeout } from '../timeout.ts'
import { concatBytes } from '../bytes.ts'

export type BodyResult = { ok: true; text: string } | { ok: false; reason: 'too-large' | 'timeout' | 'not-utf8' | 'aborted' }
/** The bytes as received: the TRTC Sign is an HMAC over them (ingress/trtc.ts). */
export type RawBodyResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: 'too-large' | 'timeout' | 'aborted' }

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export function decodeBody(bytes: Uint8Array): BodyResult {
  try {
    return { ok: true, text: decoder.decode(bytes) }
  } catch {
    return { ok: false, reason: 'not-utf8' }
  }
}

async function readAll(request: Request, maxBytes: number): Promise<RawBodyResult> {
  const declared = request.headers.get('content-length')
  if (declared !== null && /^\d+$/.test(declared)) {
    if (Number(declared) > maxBytes) return { ok: false, reason: 'too-large' }
    // Trusted length within the limit: the runtime reads exactly that many bytes.
    return { ok: true, bytes: new Uint8Array(await request.arrayBuffer()) }
  }
  if (!request.body) return { ok: true, bytes: new Uint8Array(0) }
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
  return { ok: true, bytes: concatBytes(chunks, size) }
}

/** The body's bytes, within the size limit and the deadline. */
export function readRawBody(request: Request, maxBytes: number, timeoutMs: number): Promise<RawBodyResult> {
  const read = readAll(request, maxBytes).catch((): RawBodyResult => ({ ok: false, reason: 'aborted' }))
  return withTimeout(read, timeoutMs, (): RawBodyResult => ({ ok: false, reason: 'timeout' }))
}

/** The body as UTF-8 text, within the size limit and the deadline. */
export async function readBody(request: Request, maxBytes: number, timeoutMs: number): Promise<BodyResult> {
  const raw = await readRawBody(request, maxBytes, timeoutMs)
  return raw.ok ? decodeBody(raw.bytes) : raw
}
