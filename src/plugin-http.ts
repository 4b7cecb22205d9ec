/**
 * Helpers for plugins that call an HTTP service (built-in or custom).
 *
 * They keep request details out of error text. Runtimes put the request URL into network
 * errors (Bun in `error.path`, Deno in `error.cause.message`), and a URL may be a credential
 * (a Slack incoming webhook) or carry a token in its query string.
 *
 * `httpTarget` is the request side of http-sync and http-decide: the event as JSON, the
 * configured headers, `Idempotency-Key`, and an optional body signature (`createSigner`;
 * a receiver checks it as `createVerifier` does).
 */
import { Type } from '@sinclair/typebox'
import { concatBytes } from './bytes.ts'

const MAX_BODY_BYTES = 16 * 1024
const encoder = new TextEncoder()

/**
 * Reads at most `maxBytes` (16 KiB) of the body and cancels the rest. Reading a short body to
 * the end lets the runtime reuse the keep-alive connection; the cap bounds memory on odd answers.
 */
export async function readBodyText(response: Response, maxBytes = MAX_BODY_BYTES): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    while (total < maxBytes) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      total += value.length
    }
  } finally {
    await reader.cancel().catch(() => {})
  }
  return new TextDecoder().decode(concatBytes(chunks, total))
}

/** A body as one short line for an error message. */
export function snippet(body: string, maxChars = 200): string {
  return body.replace(/\s+/g, ' ').trim().slice(0, maxChars)
}

/** Why a request failed, from the error's name and code only: never its message, which may hold the URL. */
export function describeFetchFailure(error: unknown, shutdown: AbortSignal, timeoutMs: number): string {
  if (shutdown.aborted) return 'aborted because the gateway is shutting down'
  const name = error instanceof Error ? error.name : typeof error
  if (name === 'TimeoutError') return `timed out after ${timeoutMs} ms`
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? `${name} (${code})` : name
}

/** JSON parsed with unsafe integers kept exact, for relaying an answer (see src/exact-json.ts). */
export { parseExact as parseJsonExact } from './exact-json.ts'

// RFC 9110 §5.1: a field name is a `token`.
const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"

/**
 * Option schemas of a plugin that sends events to an in-house endpoint; pick the ones you
 * need into your `t.Object({...})`, and pass the options to `httpTarget`.
 */
export const httpTargetOptions = {
  /** The endpoint, `http://` or `https://`. */
  url: Type.String({ pattern: '^https?://' }),
  /**
   * Extra request headers, e.g. `Authorization`. Values are treated as secrets: never
   * logged and never put in error messages. The gateway's own headers take precedence.
   * @default {}
   */
  headers: Type.Record(Type.String({ pattern: HEADER_NAME }), Type.String(), { default: {}, additionalProperties: false }),
  /** Shared secret; when set, each request carries an HMAC-SHA256 signature of its body. */
  secret: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * Header carrying the signature when `secret` is set.
   * @default 'X-Gateway-Signature'
   */
  signatureHeader: Type.String({ pattern: HEADER_NAME, default: 'X-Gateway-Signature' }),
}

/** What `httpTarget` needs: `httpTargetOptions` after validation and defaults. */
export interface HttpTargetConfig {
  url: string
  headers: Record<string, string>
  secret?: string
  signatureHeader: string
}

/** An event to send (a `GatewayEvent`): all of it is the JSON body, and `id` and `attempt` go into headers too. */
export interface OutgoingEvent {
  id: string
  attempt: number
}

export interface SendOptions {
  /** @default 'POST' */
  method?: string
  /** The gateway's shutdown signal (`ctx.signal` of setup). */
  shutdown: AbortSignal
  /** Milliseconds for the answer, headers and body. */
  timeoutMs?: number
  /** Another deadline, e.g. a decision's `ctx.signal`; its abort reads "the budget ran out". */
  budget?: AbortSignal
  /**
   * How much of the answer to read; the rest is cut off.
   * @default 16384
   */
  maxBodyBytes?: number
}

export interface HttpTarget {
  url: URL
  headerNames: string[]
  signed: boolean
  /** Replaces configured secrets (header values, the signing secret) in text the service sent back. */
  scrub(text: string): string
  /**
   * Sends `event` as JSON and reads the answer (`maxBodyBytes`) to the end, so the keep-alive
   * connection goes back to the pool. Redirects are not followed. A network failure, timeout or
   * abort throws `<name> request failed: <why>`, with no `cause`: runtime errors carry the URL.
   */
  send(event: OutgoingEvent, options: SendOptions): Promise<{ response: Response; body: string }>
}

/** Checks the config (throwing `<name>: ...`) and prepares the signer, once at setup. */
export async function httpTarget(name: string, config: HttpTargetConfig): Promise<HttpTarget> {
  let url: URL
  try {
    url = new URL(config.url)
  } catch {
    throw new Error(`${name}: url is not a valid URL`)
  }
  checkHeaderValues(name, config.headers)
  const scrub = secretScrubber([...Object.values(config.headers), ...(config.secret ? [config.secret] : [])])
  const sign = config.secret ? await createSigner(config.secret) : undefined

  async function requestHeaders(event: OutgoingEvent, body: Uint8Array<ArrayBuffer>): Promise<Headers> {
    const headers = new Headers(config.headers)
    headers.set('content-type', 'application/json')
    headers.set('idempotency-key', event.id)
    headers.set('x-gateway-event-id', event.id)
    headers.set('x-gateway-attempt', String(event.attempt))
    if (sign) headers.set(config.signatureHeader, await sign(body))
    return headers
  }

  async function send(event: OutgoingEvent, options: SendOptions): Promise<{ response: Response; body: string }> {
    // Signed and sent as bytes, so the signature covers exactly what goes on the wire.
    const body = encoder.encode(JSON.stringify(event))
    const headers = await requestHeaders(event, body)
    const signals = [options.shutdown, ...(options.budget ? [options.budget] : []), ...(options.timeoutMs ? [AbortSignal.timeout(options.timeoutMs)] : [])]
    try {
      const response = await fetch(url, { method: options.method ?? 'POST', headers, body, redirect: 'manual', signal: AbortSignal.any(signals) })
      return { response, body: await readBodyText(response, options.maxBodyBytes) }
    } catch (error) {
      const why =
        !options.shutdown.aborted && options.budget?.aborted ? 'the budget ran out' : describeFetchFailure(error, options.shutdown, options.timeoutMs ?? 0)
      throw new Error(`${name} request failed: ${why}`)
    }
  }

  return { url, headerNames: Object.keys(config.headers), signed: sign !== undefined, scrub, send }
}

/** Checks each configured header on its own, so the error can name the header without its value. */
export function checkHeaderValues(name: string, headers: Record<string, string>): void {
  for (const [header, value] of Object.entries(headers)) {
    try {
      new Headers([[header, value]])
    } catch {
      throw new Error(`${name}: header "${header}" has a value that is not allowed in HTTP (control characters?)`)
    }
  }
}

/** Returns a function that replaces each secret in a text with `[redacted]` (secrets shorter than 4 characters are left). */
export function secretScrubber(secrets: string[]): (text: string) => string {
  // Like the host's registry: very short values would mangle ordinary words.
  const long = secrets.filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length)
  return (text) => long.reduce((out, secret) => out.split(secret).join('[redacted]'), text)
}

/*
 * The body signature: `sha256=<lowercase hex HMAC-SHA256(secret, exact body bytes)>`,
 * the same shape GitHub uses for `X-Hub-Signature-256`.
 *
 * How a receiver verifies it (`createVerifier` does 1 to 3):
 *   1. Read the raw body bytes before any JSON parsing (re-serialising changes the bytes).
 *   2. Compute HMAC-SHA256 with the shared secret over those bytes; hex-encode, lower case.
 *   3. Compare `sha256=<hex>` with the header in constant time
 *      (Node: `crypto.timingSafeEqual`), and reject on mismatch.
 *   4. Dedupe on `Idempotency-Key` (the event id): the signature proves who sent the body,
 *      not that it is the first time, and retries deliberately send the same body again.
 */

function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage])
}

function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** Returns a signer bound to `secret`; the key is imported once, not per request. */
export async function createSigner(secret: string): Promise<(body: Uint8Array<ArrayBuffer>) => Promise<string>> {
  const key = await hmacKey(secret, 'sign')
  return async (body) => `sha256=${toHex(await crypto.subtle.sign('HMAC', key, body))}`
}

/** For a receiver written in TypeScript: true when `header` is the signature of the raw `body` under `secret`. */
export async function createVerifier(secret: string): Promise<(body: Uint8Array<ArrayBuffer>, header: string | null | undefined) => Promise<boolean>> {
  const key = await hmacKey(secret, 'verify')
  return async (body, header) => {
    const hex = /^sha256=([0-9a-f]{64})$/.exec(header ?? '')?.[1]
    if (!hex) return false
    const mac = Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16))
    // WebCrypto's verify compares in constant time.
    return crypto.subtle.verify('HMAC', key, mac, body)
  }
}
