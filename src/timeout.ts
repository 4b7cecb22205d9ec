/**
 * One timeout for the whole gateway: `work`'s result, or `onTimeout()`'s once `ms` pass
 * first. The timer is cleared either way, so a finished race never keeps the process alive.
 * `onTimeout` may throw to turn the timeout into a rejection.
 */
export async function withTimeout<T, U = T>(work: Promise<T>, ms: number, onTimeout: () => U): Promise<T | U> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<U>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout())
      } catch (error) {
        reject(error)
      }
    }, ms)
  })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}

/** Housekeeping timers (sweeps, checks, renewals) must not keep a stopping process alive. */
export function unrefTimer<T>(timer: T): T {
  ;(timer as { unref?: () => void }).unref?.()
  return timer
}
