/**
 * Helpers for plugins that call an HTTP sink (built-in or custom): they keep request
 * details out of error text. Runtimes put the request URL into network errors (Bun in
 * `error.path`, Deno in `error.cause.message`), and a URL may be a credential (a Slack
 * incoming webhook) or carry a token in its query string.
 */
import { concatBytes } from './bytes.ts'

const MAX_BODY_BYTES = 16 * 1024

/**
 * Reads at most 16 KiB of the body and cancels the rest. Reading a short body to the end
 * lets the runtime reuse the keep-alive connection; the cap bounds memory on odd answers.
 */
export async function readBodyText(response: Response): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    while (total < MAX_BODY_BYTES) {
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
