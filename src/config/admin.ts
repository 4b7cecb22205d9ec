/**
 * Checks of the `admin` section beyond its schema (docs/configuration.md#admin): a token off
 * loopback, a token long enough to be one, and a port of its own.
 */
import type { GatewayConfig } from './schema.ts'

/** Tokens shorter than this are refused: the console can replay and purge. */
export const MIN_ADMIN_TOKEN = 16

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
}

export function adminProblems(config: Partial<Pick<GatewayConfig, 'server' | 'admin'>>): string[] {
  const admin = config.admin
  if (!admin || typeof admin.hostname !== 'string' || typeof admin.token !== 'string') return []
  const problems: string[] = []
  if (admin.token === '' && !isLoopback(admin.hostname))
    problems.push(`admin.token: required when admin.hostname (${admin.hostname}) is not a loopback address; the console replays and purges dead letters`)
  if (admin.token !== '' && admin.token.length < MIN_ADMIN_TOKEN) problems.push(`admin.token: must have at least ${MIN_ADMIN_TOKEN} characters`)
  // It travels in an Authorization header: `Bearer <token>`, one word.
  if (/\s/.test(admin.token)) problems.push('admin.token: must not contain spaces or other white space')
  const server = config.server
  if (server && admin.port !== 0 && admin.port === server.port)
    problems.push(`admin.port: ${admin.port} is also server.port; the console and its API never listen on the callback port`)
  return problems
}
