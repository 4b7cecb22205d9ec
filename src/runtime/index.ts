/** Picks the runtime the process runs on. */
import type { Runtime } from './types.ts'

export type { Runtime, RunningServer, ServeOptions, ShutdownSignal, SignalHandlers } from './types.ts'

export async function currentRuntime(): Promise<Runtime> {
  if ('Bun' in globalThis) return (await import('./bun.ts')).bunRuntime
  if ('Deno' in globalThis) return (await import('./deno.ts')).denoRuntime
  throw new Error('unsupported runtime: run the gateway with Bun or Deno')
}
