/**
 * The admin API's bearer token (docs/design.md §10): `Authorization: Bearer <token>`, compared in
 * constant time. Both sides are hashed first, so the comparison takes the same time whatever the
 * length of what was sent.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

const digest = (text: string) => createHash('sha256').update(text).digest()

/** A check of a request's Authorization header; with no token configured (loopback only) every request passes. */
export function bearerCheck(token: string): (request: Request) => boolean {
  if (token === '') return () => true
  const expected = digest(token)
  return function hasToken(request) {
    const header = request.headers.get('authorization') ?? ''
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
    // Hash even a missing token, so an absent header takes as long as a wrong one.
    return timingSafeEqual(digest(match?.[1] ?? ''), expected) && match !== null
  }
}
