/**
 * The admin JSON API (src/admin/api.ts) on both stores, through a real gateway: callbacks posted
 * to the callback app, delivered by http-sync to real local sinks (one that always fails), then
 * found, shown, replayed and purged through the admin app. Also: the token, and that the admin
 * API is not on the callback path.
 */
import { afterEach, expect, it } from 'bun:test'
import { startSink, type Sink } from '../helpers/sinks.ts'
import { makeGateway, tencentQuery, type TestGateway } from '../helpers/gateway.ts'
import { describeStore, STORE_KINDS, storeYaml } from '../helpers/stores.ts'

const TOKEN = 'admin-token-0123456789'
const BIG = '144115212826557295'
let gateway: TestGateway | undefined
const sinks: Sink[] = []
afterEach(async () => {
  await gateway?.close()
  gateway = undefined
  for (const sink of sinks.splice(0)) await sink.close()
})

async function start(storeBlock: string): Promise<{ gw: TestGateway; crm: Sink; broken: Sink }> {
  const crm = startSink()
  const broken = startSink(() => new Response('no', { status: 400 }))
  sinks.push(crm, broken)
  gateway = await makeGateway(`
tencent: { sdkAppId: [1400000000, 1400000001] }
${storeBlock}
admin: { port: 0, token: ${TOKEN} }
plugins:
  crm: { use: http-sync, options: { url: "${crm.url}/sync" } }
  erp: { use: http-sync, options: { url: "${broken.url}/erp" }, retry: { maxAttempts: 1 } }
routes:
  - match: Live.CallbackAfterDestroyRoom
    to: [crm, erp]
  - match: Group.*
    to: [crm]
`)
  gateway.dispatcher.start()
  return { gw: gateway, crm, broken }
}

function api(gw: TestGateway, path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const { token = TOKEN, ...rest } = init
  const headers = new Headers(rest.headers)
  if (token !== null) headers.set('authorization', `Bearer ${token}`)
  if (rest.method === 'POST' && !headers.has('content-type')) headers.set('content-type', 'application/json')
  return gw.admin!.handle(new Request(`http://admin${path}`, { ...rest, headers }))
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await Bun.sleep(20)
  }
}

const destroy = (room: string) =>
  `{"CallbackCommand":"Live.CallbackAfterDestroyRoom","Operator_Account":"admin","RoomId":"${room}","EventType":"DestroyByUser","EventTime":1703589922780}`
const groupMsg = (group: string) =>
  `{"CallbackCommand":"Group.CallbackAfterSendMsg","GroupId":"${group}","Type":"Public","From_Account":${BIG},"Operator_Account":"admin","Random":1,"MsgSeq":1,"MsgTime":1703589922,"MsgKey":"key-${group}","OnlineOnlyFlag":0,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}],"EventTime":1703589922780}`

for (const kind of STORE_KINDS)
  describeStore(kind)(`admin API (${kind})`, () => {
    it('answers 401 without the token or with a wrong one, and is not on the callback port', async () => {
      const { gw } = await start(storeYaml(kind, 'admin'))
      for (const token of [null, 'wrong-token-0123456789', '']) {
        const res = await api(gw, '/api/events', { token })
        expect(res.status).toBe(401)
        expect(await res.json()).toEqual({ error: 'send Authorization: Bearer <admin.token>' })
      }
      expect((await api(gw, '/api/stats', { token: TOKEN.toUpperCase() })).status).toBe(401)
      // However the path is spelled, only the console's static files answer without the token.
      for (const path of ['//api/events', '/api//events', '/API/events', '/api/events/', '/api%2Fevents', '/nothing'])
        expect((await api(gw, path, { token: null })).status).toBe(401)
      for (const path of ['/', '/console.js', '/console.css']) expect((await api(gw, path, { token: null })).status).toBe(200)
      expect((await api(gw, '/api/events')).status).toBe(200)
      // The callback app serves no admin route.
      for (const path of ['/api/events', '/api/stats', '/', '/console.js']) {
        const res = await gw.app.handle(new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${TOKEN}` } }))
        expect(res.status).toBe(404)
      }
    })

    it('finds an event by a nested id, shows its payload exactly and both deliveries with their attempts', async () => {
      const { gw, crm } = await start(storeYaml(kind, 'admin'))
      expect((await gw.post(tencentQuery(), destroy('room-42'))).status).toBe(200)
      expect((await gw.post(tencentQuery({ CallbackCommand: 'Group.CallbackAfterSendMsg' }), groupMsg('@TGS#2ABC'))).status).toBe(200)
      await crm.waitFor(2)
      await until(async () => {
        const list = await (await api(gw, '/api/events?q=room-42')).json()
        return list.events.length === 1 && list.events[0].deliveries.every((d: { status: string }) => d.status !== 'pending')
      })
      const list = await (await api(gw, '/api/events?q=room-42')).json()
      expect(list.events).toHaveLength(1)
      const [summary] = list.events
      expect(summary.command).toBe('Live.CallbackAfterDestroyRoom')
      expect(summary.deliveries.map((d: { plugin: string; status: string }) => [d.plugin, d.status])).toEqual([
        ['crm', 'done'],
        ['erp', 'dead'],
      ])
      const res = await api(gw, `/api/events/${summary.id}`)
      expect(res.status).toBe(200)
      const text = await res.text()
      expect(text).toContain(`"payload":${destroy('room-42')}`)
      const shown = JSON.parse(text)
      expect(shown.query).toEqual({ SdkAppid: '1400000000', CallbackCommand: 'Live.CallbackAfterDestroyRoom', ClientIP: '127.0.0.1', OptPlatform: 'RESTAPI' })
      const crmDelivery = shown.deliveries.find((d: { plugin: string }) => d.plugin === 'crm')
      expect(crmDelivery.history).toEqual([{ at: expect.any(String), ms: expect.any(Number), outcome: 'done' }])
      const erp = shown.deliveries.find((d: { plugin: string }) => d.plugin === 'erp')
      expect(erp.history).toEqual([{ at: expect.any(String), ms: expect.any(Number), outcome: 'dead', error: expect.stringContaining('400') }])
      // An id above 2^53, nested in the payload, found and returned with every digit.
      const byBig = await (await api(gw, `/api/events?q=${BIG}`)).json()
      expect(byBig.events.map((e: { command: string }) => e.command)).toEqual(['Group.CallbackAfterSendMsg'])
      const msgText = await (await api(gw, `/api/events/${byBig.events[0].id}`)).text()
      expect(msgText).toContain(`"From_Account":${BIG}`)
      expect((await (await api(gw, '/api/events?q=%40TGS%232ABC')).json()).events).toHaveLength(1)
      expect((await api(gw, '/api/events/0190a0b1-0000-7000-8000-000000000000')).status).toBe(404)
    })

    it('filters by command, app, status and time, and pages newest first with a cursor', async () => {
      const { gw } = await start(storeYaml(kind, 'admin'))
      for (let i = 0; i < 5; i++) expect((await gw.post(tencentQuery({}, i % 2 ? '1400000001' : '1400000000'), destroy(`page-${i}`))).status).toBe(200)
      expect((await gw.post(tencentQuery({ CallbackCommand: 'Group.CallbackAfterSendMsg' }), groupMsg('g-page'))).status).toBe(200)
      const rooms: string[] = []
      let cursor = ''
      for (let page = 0; page < 5; page++) {
        const body = await (await api(gw, `/api/events?command=Live.*&limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json()
        for (const e of body.events) rooms.push(JSON.parse(await (await api(gw, `/api/events/${e.id}`)).text()).payload.RoomId)
        if (!body.next) break
        cursor = body.next
      }
      expect(rooms).toEqual(['page-4', 'page-3', 'page-2', 'page-1', 'page-0'])
      expect((await (await api(gw, '/api/events?app=1400000001')).json()).events).toHaveLength(2)
      expect((await (await api(gw, '/api/events?command=Group.CallbackAfterSendMsg')).json()).events).toHaveLength(1)
      await until(async () => (await (await api(gw, '/api/events?status=dead')).json()).events.length === 5)
      const future = new Date(Date.now() + 60_000).toISOString()
      expect((await (await api(gw, `/api/events?since=${encodeURIComponent(future)}`)).json()).events).toEqual([])
      expect((await (await api(gw, `/api/events?until=${Date.now() + 60_000}&limit=3`)).json()).events).toHaveLength(3)
      for (const bad of ['status=lost', 'limit=0', 'limit=9999', 'since=yesterday', 'app=nobody', 'cursor=abc', 'color=red']) {
        const res = await api(gw, `/api/events?${bad}`)
        expect(res.status).toBe(400)
        expect((await res.json()).error).toBeString()
      }
    })

    it('replays a dead letter and it is delivered; replays and purges the rest by plugin; stats count them', async () => {
      const { gw, broken } = await start(storeYaml(kind, 'admin'))
      for (const room of ['dl-1', 'dl-2', 'dl-3']) expect((await gw.post(tencentQuery(), destroy(room))).status).toBe(200)
      await until(async () => (await (await api(gw, '/api/dead-letters?plugin=erp')).json()).deadLetters.length === 3)
      const { deadLetters } = await (await api(gw, '/api/dead-letters')).json()
      expect(deadLetters.map((d: { plugin: string }) => d.plugin)).toEqual(['erp', 'erp', 'erp'])
      broken.respond = () => new Response('ok')
      const before = broken.requests.length
      const one = await api(gw, `/api/dead-letters/${deadLetters[0].id}/replay`, { method: 'POST' })
      expect(await one.json()).toEqual({ replayed: 1 })
      await broken.waitFor(before + 1)
      const erpOf = async () =>
        (await (await api(gw, `/api/events/${deadLetters[0].eventId}`)).json()).deliveries.find((d: { plugin: string }) => d.plugin === 'erp')
      await until(async () => (await erpOf()).status === 'done')
      expect((await (await api(gw, '/api/dead-letters')).json()).deadLetters).toHaveLength(2)
      expect((await api(gw, `/api/dead-letters/${deadLetters[0].id}/replay`, { method: 'POST' })).status).toBe(409)
      expect((await api(gw, '/api/dead-letters/999999/replay', { method: 'POST' })).status).toBe(404)
      expect((await erpOf()).history.map((a: { outcome: string }) => a.outcome)).toEqual(['dead', 'done'])
      broken.respond = () => new Response('no', { status: 400 })
      const purged = await api(gw, '/api/dead-letters/purge', { method: 'POST', body: JSON.stringify({ plugin: 'erp' }) })
      expect(await purged.json()).toEqual({ purged: 2 })
      expect((await (await api(gw, '/api/dead-letters')).json()).deadLetters).toEqual([])
      expect((await api(gw, '/api/dead-letters/replay', { method: 'POST', body: '{"plugin":' })).status).toBe(400)
      expect((await api(gw, '/api/dead-letters/replay', { method: 'POST', body: '{"everything":true}' })).status).toBe(400)
      const stats = await (await api(gw, '/api/stats')).json()
      expect(stats.queues.map((q: { plugin: string; dead: number; pending: number }) => [q.plugin, q.pending, q.dead])).toEqual([
        ['crm', 0, 0],
        ['erp', 0, 0],
      ])
      expect(stats.minutes.length).toBeGreaterThanOrEqual(60)
      const sum = (key: string) => stats.minutes.reduce((total: number, m: Record<string, number>) => total + m[key]!, 0)
      expect(sum('callbacks')).toBe(3)
      expect(sum('dead')).toBe(3)
      expect(sum('done')).toBe(4)
    })

    it('serves its OpenAPI document, generated from the route schemas', async () => {
      const { gw } = await start(storeYaml(kind, 'admin'))
      const doc = await (await api(gw, '/api/openapi.json')).json()
      expect(doc.openapi).toBe('3.1.0')
      expect(Object.keys(doc.paths).sort()).toEqual([
        '/api/dead-letters',
        '/api/dead-letters/purge',
        '/api/dead-letters/replay',
        '/api/dead-letters/{id}/replay',
        '/api/events',
        '/api/events/{id}',
        '/api/stats',
      ])
      expect(doc.paths['/api/events'].get.parameters.map((p: { name: string }) => p.name)).toEqual([
        'command',
        'app',
        'status',
        'since',
        'until',
        'q',
        'cursor',
        'limit',
      ])
    })
  })

describeStore('sqlite')('admin API against other sites (sqlite)', () => {
  it("refuses what another site's page could send from the operator's browser", async () => {
    const { gw } = await start(storeYaml('sqlite', 'admin'))
    for (const room of ['x-1', 'x-2']) expect((await gw.post(tencentQuery(), destroy(room))).status).toBe(200)
    await until(async () => (await (await api(gw, '/api/dead-letters')).json()).deadLetters.length === 2)
    const purge = (headers: Record<string, string>) => api(gw, '/api/dead-letters/purge', { method: 'POST', body: '{}', headers })
    // A no-cors fetch or a form: text/plain, with the other site's Origin.
    expect((await purge({ 'content-type': 'text/plain;charset=UTF-8', origin: 'https://evil.example' })).status).toBe(403)
    expect((await purge({ 'content-type': 'text/plain;charset=UTF-8' })).status).toBe(415)
    expect((await purge({ 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    expect((await purge({ origin: 'null' })).status).toBe(403)
    expect((await (await api(gw, '/api/dead-letters')).json()).deadLetters).toHaveLength(2)
    // The console's own requests: same origin, JSON.
    expect(await (await purge({ host: 'admin', origin: 'http://admin', 'sec-fetch-site': 'same-origin' })).json()).toEqual({ purged: 2 })
  })

  it('without a token, answers only at its own address or a loopback name (DNS rebinding)', async () => {
    gateway = await makeGateway(`
tencent: { sdkAppId: 1400000000 }
store: { path: ./data/gateway.db }
admin: { port: 0 }
`)
    const gw = gateway
    const get = (host: string) => gw.admin!.handle(new Request(`http://${host}/api/events`, { headers: { host } }))
    expect((await get('evil.example:3001')).status).toBe(403)
    for (const host of ['127.0.0.1:3001', 'localhost:3001', '[::1]:3001']) expect((await get(host)).status).toBe(200)
  })
})
