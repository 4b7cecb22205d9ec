/** Chunks read from a stream as one byte array (one chunk is returned as it is). */
export function concatBytes(chunks: Uint8Array[], length = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0)): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.byteLength === length) return chunks[0]!
  const out = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}
