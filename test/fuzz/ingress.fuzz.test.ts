/**
 * Property tests of the ingress with fast-check, through the real app, store and dispatcher.
 *
 * 1. Mutated callbacks: a valid signed destroy-room callback, changed by mutations whose
 *    effect on validity is known (key casing, BOM, big ids… keep it valid; a wrong app id,
 *    a garbled Sign, a truncated body, a wrong field type… make it invalid). Valid ones must
 *    get 200 and be delivered; invalid ones must not get 200 and must never be delivered.
 * 2. Noise: random methods, query strings and bodies. With a token configured nothing random
 *    can carry a valid Sign, so nothing may get 200.
 * Always: no 5xx, and every answer has the contract's JSON shape.
 *
 * Runs are bounded (FUZZ_RUNS, default 250 per property) and the seed is printed, so a
 * failure can be replayed with FUZZ_SEED. Cases it found are kept in regressions below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import fc from 'fast-check'
import { computeSign } from '../../src/tencent/signature.ts'
import { deliveredTo, resetRecording } from '../fixtures/recording-plugin.ts'
import { makeGateway, recordingConfig, until, type TestGateway } from '../helpers/gateway.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 250)
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31
const TOKEN = 'fuzz-token'
const APP = '1400000000'
const MAX_BODY = 64 * 1024

let gw: TestGateway
beforeAll(async () => {
  resetRecording()
  gw = await makeGateway(recordingConfig({ tencent: `  token: ${TOKEN}`, extra: `server:\n  maxBodyBytes: ${MAX_BODY}` }))
})
afterAll(async () => {
  await gw.close({ drainTimeoutMs: 1000 })
})

interface Case {
  method: string
  query: Array<[string, string]>
  body: string | Uint8Array | null
  headers: Record<string, string>
  /** Prefix the body with a UTF-8 byte-order mark when sending. */
  bom: boolean
  valid: boolean
  marker: string
}

let counter = 0
function baseCase(): Case {
  const marker = `fuzz-${counter++}`
  const time = String(Math.floor(Date.now() / 1000))
  return {
    method: 'POST',
    query: [
      ['SdkAppid', APP],
      ['CallbackCommand', 'Live.CallbackAfterDestroyRoom'],
      ['contenttype', 'json'],
      ['ClientIP', '127.0.0.1'],
      ['OptPlatform', 'RESTAPI'],
      ['Sign', computeSign(TOKEN, time)],
      ['RequestTime', time],
    ],
    body: JSON.stringify({
      CallbackCommand: 'Live.CallbackAfterDestroyRoom',
      Operator_Account: 'admin',
      RoomId: marker,
      EventType: 'DestroyByUser',
      EventTime: 1703589922780,
    }),
    headers: {},
    bom: false,
    valid: true,
    marker,
  }
}

/** JSON nested `depth` levels deep: arrays and objects mixed. */
const nested = (depth: number) => '[{"a":'.repeat(Math.floor(depth / 2)) + '[]' + '}]'.repeat(Math.floor(depth / 2))
const asObject = (c: Case) => JSON.parse(c.body as string) as Record<string, unknown>
const setBody = (c: Case, value: unknown) => (c.body = JSON.stringify(value))
const setQuery = (c: Case, key: string, value: string | undefined) => {
  c.query = c.query.filter(([k]) => k.toLowerCase() !== key.toLowerCase())
  if (value !== undefined) c.query.push([key, value])
}

type Mutation = (c: Case, r: { text: string; n: number; pick: number }) => void

/** Mutations that keep a callback valid. */
const KEEP: Record<string, Mutation> = {
  keyCasing: (c, r) => (c.query = c.query.map(([k, v]) => [r.pick % 2 ? k.toUpperCase() : k.toLowerCase(), v])),
  sdkAppIdSpelling: (c) => (c.query = c.query.map(([k, v]) => [k === 'SdkAppid' ? 'SdkAppId' : k, v])),
  ownQueryFirst: (c, r) => c.query.unshift(['tenant', r.text]),
  iosUpperCase: (c) => setQuery(c, 'OptPlatform', 'IOS'),
  noOptionalParams: (c) => (c.query = c.query.filter(([k]) => !['contenttype', 'ClientIP', 'OptPlatform'].includes(k))),
  bom: (c) => (c.bom = true),
  reorderAndSpace: (c) => (c.body = JSON.stringify(Object.fromEntries(Object.entries(asObject(c)).reverse()), null, 2)),
  bigIntOperator: (c) => (c.body = (c.body as string).replace('"admin"', '144115216631667826')),
  stringEventTime: (c) => setBody(c, { ...asObject(c), EventTime: '1703589922780' }),
  extraFields: (c, r) => setBody(c, { ...asObject(c), Extra: r.text, Nested: { a: [r.n, { b: r.text }] } }),
  // Within the nesting limit (the payload itself sits at depth 1).
  deepExtra: (c, r) => (c.body = (c.body as string).replace(/}$/, `,"Deep":${nested(1 + (r.n % 62))}}`)),
  longExtraString: (c, r) => setBody(c, { ...asObject(c), Long: 'x'.repeat(1000 + (r.n % 20_000)) }),
  systemDestroy: (c) => setBody(c, { ...asObject(c), EventType: 'DestroyBySystem', Operator_Account: '@TIM#SYSTEM' }),
  contentType: (c, r) =>
    (c.headers['content-type'] = ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'garbage/;;'][r.pick % 4]!),
  noBodyCommand: (c) => {
    const { CallbackCommand: _drop, ...rest } = asObject(c)
    setBody(c, rest)
  },
}

/** Mutations that make a callback invalid (and name why). */
const BREAK: Record<string, Mutation> = {
  wrongAppId: (c) => setQuery(c, 'SdkAppid', '1400000001'),
  noAppId: (c) => setQuery(c, 'SdkAppid', undefined),
  garbledSign: (c, r) => setQuery(c, 'Sign', r.text),
  noSign: (c) => setQuery(c, 'Sign', undefined),
  staleTime: (c, r) => {
    const t = String(Math.floor(Date.now() / 1000) - 61 - (r.n % 100_000))
    setQuery(c, 'RequestTime', t)
    setQuery(c, 'Sign', computeSign(TOKEN, t))
  },
  garbledTime: (c, r) => setQuery(c, 'RequestTime', `${r.text}x`),
  truncated: (c, r) => (c.body = (c.body as string).slice(0, r.n % (c.body as string).length)),
  comment: (c) => (c.body = (c.body as string).replace('"DestroyByUser",', '"DestroyByUser", // user\n')),
  notObject: (c, r) => (c.body = [JSON.stringify([asObject(c)]), '"text"', '42', 'null', 'true'][r.pick % 5]!),
  dropRequired: (c, r) => {
    const body = asObject(c)
    delete body[['RoomId', 'EventType', 'EventTime'][r.pick % 3]!]
    setBody(c, body)
  },
  // Each of these values is invalid for each of these fields.
  wrongType: (c, r) =>
    setBody(c, { ...asObject(c), [['RoomId', 'EventType', 'EventTime', 'Operator_Account'][r.pick % 4]!]: [{ x: 1 }, [1], true, null, 1.5][r.n % 5] }),
  commandMismatch: (c) => setQuery(c, 'CallbackCommand', 'Live.CallbackAfterCreateRoom'),
  tooLarge: (c) => setBody(c, { ...asObject(c), Pad: 'x'.repeat(MAX_BODY) }),
  method: (c, r) => (c.method = ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'][r.pick % 5]!),
  deepNesting: (c, r) => (c.body = (c.body as string).replace(/}$/, `,"Deep":${nested(64 + (r.n % 30_000))}}`)),
  invalidUtf8: (c) => (c.body = new Uint8Array([...new TextEncoder().encode((c.body as string).slice(0, 20)), 0xff, 0xfe, 0x7d])),
}

const keepNames = Object.keys(KEEP)
const breakNames = Object.keys(BREAK)
const mutationInput = fc.record({ text: fc.string({ maxLength: 40 }), n: fc.nat(), pick: fc.nat() })

const caseArbitrary = fc.record({
  keep: fc.array(fc.tuple(fc.constantFrom(...keepNames), mutationInput), { maxLength: 4 }),
  breaks: fc.array(fc.tuple(fc.constantFrom(...breakNames), mutationInput), { maxLength: 2 }),
})

type Spec = { keep: Array<[string, { text: string; n: number; pick: number }]>; breaks: Array<[string, { text: string; n: number; pick: number }]> }

function isJsonObject(body: Case['body']): boolean {
  try {
    const value = typeof body === 'string' ? JSON.parse(body) : undefined
    return typeof value === 'object' && value !== null && !Array.isArray(value)
  } catch {
    return false
  }
}

function build(spec: Spec): Case {
  const c = baseCase()
  for (const [name, input] of spec.keep) KEEP[name]!(c, input)
  for (const [name, input] of spec.breaks) {
    // Body rewrites need a JSON object body; an earlier break may have garbled it already.
    if (BODY_BREAKS.has(name) && !isJsonObject(c.body)) continue
    const before = JSON.stringify([c.method, c.query, c.body])
    BREAK[name]!(c, input)
    // Only a change counts: a comment with nothing to attach to, say, leaves the case valid.
    if (JSON.stringify([c.method, c.query, c.body]) !== before) c.valid = false
  }
  return c
}

const BODY_BREAKS = new Set(['truncated', 'comment', 'notObject', 'dropRequired', 'wrongType', 'tooLarge', 'invalidUtf8', 'deepNesting'])

async function send(c: Case): Promise<Response> {
  const query = new URLSearchParams(c.query).toString()
  const hasBody = c.method !== 'GET' && c.method !== 'HEAD' && c.method !== 'OPTIONS'
  const body = c.bom && typeof c.body === 'string' ? `\uFEFF${c.body}` : c.body
  return gw.app.handle(new Request(`http://localhost/callback?${query}`, { method: c.method, body: hasBody ? (body as BodyInit) : null, headers: c.headers }))
}

async function expectContractShape(response: Response): Promise<{ ActionStatus: string; ErrorCode: number }> {
  expect(response.status).toBeLessThan(500)
  const text = await response.text()
  const body = JSON.parse(text)
  expect(Object.keys(body)).toEqual(['ActionStatus', 'ErrorInfo', 'ErrorCode'])
  expect(typeof body.ErrorInfo).toBe('string')
  expect(Number.isInteger(body.ErrorCode)).toBe(true)
  expect(body.ActionStatus === 'OK').toBe(response.status === 200)
  expect(body.ErrorCode === 0).toBe(response.status === 200)
  return body
}

const validMarkers = new Set<string>()
const invalidMarkers = new Set<string>()

/** Cases the fuzzer found, kept as fixed regressions (see the note in each). */
const REGRESSIONS: Array<{ why: string; spec: Spec; valid: boolean }> = [
  {
    why: 'a valid callback with an extra field nested 30,000 deep overflowed the stack in the dedup key: 500 with the engine message',
    spec: { keep: [], breaks: [['deepNesting', { text: '', n: 29_936, pick: 0 }]] },
    valid: false,
  },
  {
    why: 'nesting just inside the limit is accepted',
    spec: { keep: [['deepExtra', { text: '', n: 61, pick: 0 }]], breaks: [] },
    valid: true,
  },
]

describe('ingress fuzzing', () => {
  it('answers valid mutated callbacks 200 and delivers them; never answers 200 to an invalid one', async () => {
    let runs = 0
    await fc.assert(
      fc.asyncProperty(caseArbitrary, async (spec) => {
        runs++
        const c = build(spec)
        const response = await send(c)
        const body = await expectContractShape(response)
        if (c.valid) {
          expect({ spec, status: response.status }).toEqual({ spec, status: 200 })
          validMarkers.add(c.marker)
        } else {
          expect({ spec, ok: body.ActionStatus === 'OK' }).toEqual({ spec, ok: false })
          invalidMarkers.add(c.marker)
        }
      }),
      { numRuns: RUNS, seed: SEED },
    )
    console.log(`fuzz: ${runs} mutated callbacks (seed ${SEED}): ${validMarkers.size} valid, ${invalidMarkers.size} invalid`)
    expect(validMarkers.size).toBeGreaterThan(0)
    expect(invalidMarkers.size).toBeGreaterThan(0)
  })

  it('delivered exactly the valid ones', async () => {
    await until(() => deliveredTo('rec').length >= validMarkers.size, 10_000, 'every valid fuzz case to be delivered')
    await new Promise((r) => setTimeout(r, 200))
    const delivered = new Set(deliveredTo('rec').map((e) => String(e.payload.RoomId)))
    for (const marker of invalidMarkers) expect({ marker, delivered: delivered.has(marker) }).toEqual({ marker, delivered: false })
    for (const marker of validMarkers) expect({ marker, delivered: delivered.has(marker) }).toEqual({ marker, delivered: true })
  })

  it('never answers 200 or 5xx to noise, and keeps the contract shape', async () => {
    let runs = 0
    const key = fc.oneof(
      fc.constantFrom('SdkAppid', 'sdkappid', 'SDKAPPID', 'CallbackCommand', 'Sign', 'RequestTime', 'contenttype', 'SdkAppId'),
      fc.string({ maxLength: 10 }),
    )
    const value = fc.oneof(fc.constant(APP), fc.constant('Live.CallbackAfterDestroyRoom'), fc.string({ maxLength: 30 }), fc.nat().map(String))
    const body = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 4 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.nat({ max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
      fc.bigInt().map((n) => `{"CallbackCommand":"Live.CallbackAfterDestroyRoom","RoomId":"r","EventType":"DestroyByUser","EventTime":${n}}`),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH'),
        fc.array(fc.tuple(key, value), { maxLength: 8 }),
        body,
        async (method, query, payload) => {
          runs++
          const response = await gw.app.handle(
            new Request(`http://localhost/callback?${new URLSearchParams(query)}`, { method, body: method === 'GET' ? null : payload }),
          )
          const answer = await expectContractShape(response)
          expect(answer.ActionStatus).toBe('FAIL')
        },
      ),
      { numRuns: RUNS, seed: SEED },
    )
    console.log(`fuzz: ${runs} noise requests (seed ${SEED}), none accepted`)
  })

  it('keeps the cases it found fixed', async () => {
    for (const regression of REGRESSIONS) {
      const c = build(regression.spec)
      const response = await send(c)
      await expectContractShape(response.clone())
      expect({ why: regression.why, accepted: response.status === 200 }).toEqual({ why: regression.why, accepted: regression.valid })
    }
  })
})
