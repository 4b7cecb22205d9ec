/**
 * The answers Tencent reads (docs/design.md §8.1): HTTP status plus
 * `{"ActionStatus","ErrorInfo","ErrorCode"}` in this key order (docs/design.md §4).
 */

/** The exact OK body, pre-serialised: it is sent for every accepted callback. */
export const OK_BODY = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'

/**
 * FAIL codes, documented in the README's error table. Codes are `status * 100 + n`, so the
 * HTTP status can be read from the code. Non-zero on purpose: for Before callbacks a
 * non-zero ErrorCode means "deny" (docs/design.md §8.4).
 */
export const ErrorCodes = {
  invalidJson: { code: 40001, status: 400, info: 'body is not valid JSON' },
  notAnObject: { code: 40002, status: 400, info: 'body is not a JSON object' },
  invalidPayload: { code: 40003, status: 400, info: 'payload is invalid' },
  commandMismatch: { code: 40004, status: 400, info: 'CallbackCommand in the query disagrees with the body' },
  commandMissing: { code: 40005, status: 400, info: 'CallbackCommand is missing' },
  sdkAppIdMissing: { code: 40301, status: 403, info: 'SdkAppid is missing' },
  sdkAppIdUnknown: { code: 40302, status: 403, info: 'SdkAppid is not served here' },
  signMissing: { code: 40303, status: 403, info: 'Sign and RequestTime are required' },
  signMismatch: { code: 40304, status: 403, info: 'Sign does not match' },
  requestTimeSkew: { code: 40305, status: 403, info: 'RequestTime is outside the allowed window' },
  requestTimeInvalid: { code: 40306, status: 403, info: 'RequestTime is not a Unix time in seconds' },
  ipNotAllowed: { code: 40307, status: 403, info: 'caller address is not allowed' },
  // The TRTC path (tencent/trtc.ts): its app and Sign come in headers, the Sign is an HMAC of the body.
  trtcSdkAppIdMissing: { code: 40308, status: 403, info: 'SdkAppId header is missing' },
  trtcSignMissing: { code: 40309, status: 403, info: 'Sign header is missing' },
  trtcSignMismatch: { code: 40310, status: 403, info: 'Sign does not match the TRTC callback key' },
  methodNotAllowed: { code: 40501, status: 405, info: 'only POST is accepted on the callback path' },
  bodyTimeout: { code: 40801, status: 408, info: 'request body was not received in time' },
  bodyTooLarge: { code: 41301, status: 413, info: 'body is larger than the limit' },
  storeUnavailable: { code: 50301, status: 503, info: 'the callback could not be stored; retry later' },
  internal: { code: 50001, status: 500, info: 'internal error' },
} as const

export type ErrorName = keyof typeof ErrorCodes

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' }

export function okResponse(): Response {
  return new Response(OK_BODY, { status: 200, headers: JSON_HEADERS })
}

/** A Before callback's answer (tencent/decisions.ts renders the body): always 200. */
export function decisionResponse(body: string): Response {
  return new Response(body, { status: 200, headers: JSON_HEADERS })
}

/** A FAIL answer; `detail` is appended to the table's text and must hold no secrets. */
export function failResponse(name: ErrorName, detail?: string, extraHeaders?: Record<string, string>): Response {
  const { code, status, info } = ErrorCodes[name]
  const body = JSON.stringify({ ActionStatus: 'FAIL', ErrorInfo: detail ? `${info}: ${detail}` : info, ErrorCode: code })
  return new Response(body, { status, headers: { ...JSON_HEADERS, ...extraHeaders } })
}
