/**
 * What the callback path and the TRTC path check alike before they read a body
 * (docs/design.md §1): the caller's address and the declared size. And the wrapper that turns
 * anything unexpected into the generic FAIL answer: never a stack trace, never 200.
 */
import type { ServerConfig } from '../config/schema.ts'
import type { Logger } from '../log.ts'
import { failResponse, type ErrorName } from '../tencent/response.ts'
import { callerAddress } from './allow-list.ts'
import { clientAddress } from './client-address.ts'
import type { IngressState } from './pipeline.ts'

/** SDKAppIDs are 10 digits; anything far longer is not one and need not fill a log line. */
export const MAX_LOGGED_APP_ID = 64

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The refusal due before the body is read, if any: a caller not allowed, or a declared length over the limit. */
export function refusedBeforeBody(
  request: Request,
  state: Pick<IngressState, 'allow' | 'trustProxy'>,
  server: Pick<ServerConfig, 'maxBodyBytes'>,
): { name: ErrorName; detail?: string } | undefined {
  if (state.allow && !state.allow.allows(callerAddress(clientAddress(request), request.headers.get('x-forwarded-for'), state.trustProxy))) {
    return { name: 'ipNotAllowed' }
  }
  const declared = request.headers.get('content-length')
  if (declared && Number(declared) > server.maxBodyBytes) return { name: 'bodyTooLarge', detail: `limit is ${server.maxBodyBytes} bytes` }
  return undefined
}

/** `handle`, with anything it throws logged (as `what`) and answered with the generic 500 FAIL body. */
export function answeringErrors(logger: Logger, what: string, handle: (request: Request) => Promise<Response>): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      return await handle(request)
    } catch (error) {
      logger.error(`unexpected error in the ${what}`, { error })
      return failResponse('internal')
    }
  }
}
