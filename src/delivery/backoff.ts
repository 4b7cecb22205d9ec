/**
 * Retry delay: exponential backoff with full jitter ("Exponential Backoff And Jitter",
 * AWS Architecture Blog, 2015): a uniform draw in [0, min(cap, base * 2^(attempt-1))].
 * Full jitter spreads the retries of a burst that failed together, so a sink coming
 * back is not hit by the whole burst at once.
 */
import type { RetryConfig } from '../config/schema.ts'

/** Delay before the attempt after `attempt` (1-based) failed. */
export function backoffDelay(attempt: number, retry: Pick<RetryConfig, 'initialDelayMs' | 'maxDelayMs'>, random = Math.random): number {
  const exponent = Math.min(attempt - 1, 52)
  const ceiling = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** exponent)
  return Math.round(random() * ceiling)
}
