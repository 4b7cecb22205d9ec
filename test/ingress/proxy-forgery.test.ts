/**
 * The forged X-Forwarded-For attack on `allowIps`, through a real nginx running the documented
 * nginx block (read from docs/operations.md, so the documented config is the tested one) in front of
 * real gateway processes: one with `trustProxy: true`, one with the proxy list. 127.0.0.3
 * stands for Tencent's address; the attacker connects from 127.0.0.2 and claims 127.0.0.3.
 *
 * nginx missing: with CI=true that is a failure (the file throws when it loads); elsewhere the
 * nginx tests are skipped with the reason printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { DatabaseSync } from 'node:sqlite'
import { join } from 'node:path'
import { REPO, tempDir, tencentQuery, until } from '../helpers/gateway.ts'
import { startServer, type ServerProcess } from '../helpers/process.ts'
import { startSink } from '../helpers/sinks.ts'

const TENCENT = '127.0.0.3'
const ATTACKER = '127.0.0.2'

function findNginx(): string | undefined {
  const onPath = Bun.which('nginx')
  if (onPath) return onPath
  return ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'].find((path) => existsSync(path))
}

const NGINX = findNginx()
if (!NGINX) {
  const reason = 'nginx is not installed (Debian: apt-get install nginx; .ci/run installs it)'
  if (process.env.CI === 'true') throw new Error(`${reason} and CI=true, so this is a failure, not a skip`)
  console.warn(`skipping the nginx X-Forwarded-For tests: ${reason}`)
}
const describeNginx = NGINX ? describe : describe.skip

/** Where the documented nginx block lives. */
const DOC = 'docs/operations.md'

/** The nginx block of "Deployment behind TLS", adapted only in its listen, TLS and upstream lines. */
function readmeNginxBlock(listenPort: number, upstreamPort: number): string {
  const docs = readFileSync(join(REPO, DOC), 'utf8')
  const section = docs.slice(docs.indexOf('## Deployment behind TLS'))
  const block = /```nginx\n([\s\S]*?)```/.exec(section)?.[1]
  if (!block) throw new Error(`${DOC}: no nginx block under "Deployment behind TLS"`)
  const replaceOnce = (text: string, pattern: RegExp, by: string) => {
    const hits = text.match(new RegExp(pattern.source, 'gm'))?.length ?? 0
    if (hits !== 1) throw new Error(`${DOC} nginx block: expected one line matching ${pattern}, found ${hits}`)
    return text.replace(new RegExp(pattern.source, 'm'), by)
  }
  let adapted = replaceOnce(block, /^(\s*)server 127\.0\.0\.1:3000;/, `$1server 127.0.0.1:${upstreamPort};`)
  adapted = replaceOnce(adapted, /^(\s*)listen 443 ssl;/, `$1listen 127.0.0.1:${listenPort};`)
  return adapted.replace(/^\s*ssl_certificate(_key)?\s.*\n/gm, '')
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

interface Nginx {
  port: number
  stop(): Promise<void>
}

async function startNginx(upstreamPort: number): Promise<Nginx> {
  const dir = tempDir('nginx-')
  const port = await freePort()
  // Temp paths of modules this build lacks would be unknown directives (`nginx -V` prints to stderr).
  const version = spawnSync(NGINX!, ['-V'], { encoding: 'utf8' })
  const build = `${version.stdout}${version.stderr}`
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .filter((module) => module === 'client_body' || !build.includes(`--without-http_${module}_module`))
    .map((module) => {
      mkdirSync(join(dir, module))
      return `  ${module}_temp_path ${join(dir, module)};`
    })
  const conf = join(dir, 'nginx.conf')
  writeFileSync(
    conf,
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 64; }
http {
  access_log off;
${temp.join('\n')}
${readmeNginxBlock(port, upstreamPort)}
}
`,
  )
  const child = Bun.spawn([NGINX!, '-p', `${dir}/`, '-c', conf, '-e', join(dir, 'error.log'), '-g', 'daemon off;'], { stdout: 'pipe', stderr: 'pipe' })
  let exited = false
  void child.exited.then(() => (exited = true))
  const log = () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '')
  await until(
    async () => {
      if (exited) throw new Error(`nginx exited before listening: ${await new Response(child.stderr).text()}${log()}`)
      return new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1')
        socket.on('connect', () => (socket.destroy(), resolve(true)))
        socket.on('error', () => resolve(false))
      })
    },
    10_000,
    'nginx to listen',
  )
  return {
    port,
    async stop() {
      child.kill('SIGTERM')
      await child.exited
    },
  }
}

interface RawResponse {
  status: number
  body: string
}

/** One POST over a raw socket, from the given source address (all of 127.0.0.0/8 is local on Linux). */
function postFrom(localAddress: string, port: number, room: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const body = JSON.stringify({ CallbackCommand: 'Live.CallbackAfterDestroyRoom', RoomId: room, EventType: 'DestroyByUser', EventTime: 1 })
  const head = Object.entries({
    Host: 'gw.example.com',
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
    ...headers,
  })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress })
    let received = ''
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')))
    socket.on('connect', () => socket.write(`POST /callback?${tencentQuery()} HTTP/1.1\r\n${head}\r\n${body}`))
    socket.on('data', (chunk) => (received += chunk.toString()))
    socket.on('error', reject)
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1])
      if (!status) return reject(new Error(`no HTTP answer: ${JSON.stringify(received)}`))
      // nginx may answer chunked; the JSON body is the one {...} in it.
      resolve({ status, body: /\{[\s\S]*\}/.exec(received)?.[0] ?? '' })
    })
  })
}

interface Setup {
  name: string
  trustProxy: string
  gateway: ServerProcess
  nginx: Nginx
  db: string
  sink: ReturnType<typeof startSink>
}

const setups: Setup[] = []

async function setUp(name: string, trustProxy: string): Promise<Setup> {
  const dir = tempDir('proxy-forgery-')
  const sink = startSink()
  const path = join(dir, 'config.yaml')
  writeFileSync(
    path,
    `server: { port: 0, hostname: 127.0.0.1, allowIps: [${TENCENT}], trustProxy: ${trustProxy} }
tencent: { sdkAppId: 1400000000 }
store: { path: ./data/gateway.db }
plugins:
  sink: { use: http-sync, options: { url: "${sink.url}/rooms" }, retry: { maxAttempts: 1 } }
routes:
  - match: "*"
    to: [sink]
`,
  )
  const gateway = await startServer(path)
  const nginx = await startNginx(gateway.port)
  const setup = { name, trustProxy, gateway, nginx, db: join(dir, 'data/gateway.db'), sink }
  setups.push(setup)
  return setup
}

function storedRooms(setup: Setup): string[] {
  const db = new DatabaseSync(setup.db, { readOnly: true })
  try {
    return (db.prepare('SELECT body FROM events ORDER BY seq').all() as Array<{ body: string }>).map((row) => JSON.parse(row.body).RoomId)
  } finally {
    db.close()
  }
}

describeNginx('forged X-Forwarded-For through the documented nginx block', () => {
  beforeAll(async () => {
    await setUp('trustProxy: true', 'true')
    await setUp('trustProxy: [127.0.0.1]', '[127.0.0.1]')
  })
  afterAll(async () => {
    for (const setup of setups) {
      await setup.nginx.stop()
      setup.gateway.kill('SIGTERM')
      await setup.gateway.exited
      await setup.sink.close()
    }
  })

  it('the block sets X-Forwarded-For (the adaptation touched only listen, TLS and upstream)', () => {
    const block = readmeNginxBlock(8443, 3001)
    expect(block).toContain('proxy_set_header X-Forwarded-For $remote_addr;')
    expect(block).toContain('listen 127.0.0.1:8443;')
    expect(block).toContain('server 127.0.0.1:3001;')
    expect(block).not.toContain('ssl')
  })

  for (const [index, label] of ['trustProxy: true', 'trustProxy: [127.0.0.1]'].entries()) {
    it(`${label}: the attacker's forged header through nginx is refused with 40307, and nothing is stored or delivered`, async () => {
      const setup = setups[index]!
      for (const forged of [TENCENT, `${TENCENT}, ${TENCENT}`, `1.2.3.4, ${TENCENT}`]) {
        const answer = await postFrom(ATTACKER, setup.nginx.port, `forged-${forged}`, { 'X-Forwarded-For': forged })
        expect(answer.status).toBe(403)
        expect(JSON.parse(answer.body).ErrorCode).toBe(40307)
      }
      // Tencent's own address, through nginx, gets in.
      const legit = await postFrom(TENCENT, setup.nginx.port, 'legit-via-nginx')
      expect(legit.status).toBe(200)
      await setup.sink.waitFor(1, 5000)
      await new Promise((r) => setTimeout(r, 200))
      expect(setup.sink.requests.map((r) => r.json().payload.RoomId)).toEqual(['legit-via-nginx'])
      expect(storedRooms(setup)).toEqual(['legit-via-nginx'])
    })
  }

  it('direct to the gateway, past nginx: the list ignores a forged header, `true` believes it (why validate warns)', async () => {
    const [trueSetup, listSetup] = setups
    const listed = await postFrom(ATTACKER, listSetup!.gateway.port, 'direct-forged', { 'X-Forwarded-For': TENCENT })
    expect(listed.status).toBe(403)
    expect(JSON.parse(listed.body).ErrorCode).toBe(40307)
    const believed = await postFrom(ATTACKER, trueSetup!.gateway.port, 'direct-forged', { 'X-Forwarded-For': TENCENT })
    expect(believed.status).toBe(200)
    await until(() => storedRooms(trueSetup!).includes('direct-forged'), 5000, 'the forged callback to be stored')
    expect(storedRooms(listSetup!)).not.toContain('direct-forged')
  })
})
