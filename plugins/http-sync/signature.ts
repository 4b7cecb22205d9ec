/**
 * The body signature: `sha256=<lowercase hex HMAC-SHA256(secret, exact body bytes)>`,
 * the same shape GitHub uses for `X-Hub-Signature-256`.
 *
 * How a receiver verifies it:
 *   1. Read the raw body bytes before any JSON parsing (re-serialising changes the bytes).
 *   2. Compute HMAC-SHA256 with the shared secret over those bytes; hex-encode, lower case.
 *   3. Compare `sha256=<hex>` with the header in constant time
 *      (Node: `crypto.timingSafeEqual`), and reject on mismatch.
 *   4. Dedupe on `Idempotency-Key` (the event id): the signature proves who sent the body,
 *      not that it is the first time, and retries deliberately send the same body again.
 */

const encoder = new TextEncoder()

function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** Returns a signer bound to `secret`; the key is imported once, not per delivery. */
export async function createSigner(secret: string): Promise<(body: Uint8Array<ArrayBuffer>) => Promise<string>> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return async function signBody(body: Uint8Array<ArrayBuffer>): Promise<string> {
    return `sha256=${toHex(await crypto.subtle.sign('HMAC', key, body))}`
  }
}
