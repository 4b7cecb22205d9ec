// The operator console (docs/design.md §10): plain JavaScript, no build step, no CDN. Every
// value from the API reaches the page through textContent, never as HTML.
'use strict'

const TOKEN_KEY = 'gateway-admin-token'
const main = document.getElementById('main')
const login = document.getElementById('login')
const logout = document.getElementById('logout')

/** An element with attributes and children (strings become text). */
function el(tag, attrs = {}, ...children) {
  const svg = ['svg', 'rect', 'polyline', 'line', 'text', 'g', 'title'].includes(tag)
  const node = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value)
    else node.setAttribute(key, value === true ? '' : String(value))
  }
  for (const child of children.flat(Infinity)) if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child))
  return node
}

/** Each navigation's number: a page still loading when the operator moved on never draws over the newer one. */
let navigation = 0

function show(...nodes) {
  main.replaceChildren(...nodes.flat().filter((node) => node !== undefined && node !== null))
}

class Unauthorized extends Error {}

/** The API's answer as text (payloads keep their exact digits) and as parsed JSON. */
async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY) ?? ''
  const response = await fetch(path, {
    ...options,
    headers: { authorization: `Bearer ${token}`, ...(options.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
  })
  const text = await response.text()
  if (response.status === 401) throw new Unauthorized()
  const body = text ? JSON.parse(text) : {}
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`)
  return { text, body }
}

const time = (iso) => new Date(iso).toLocaleString()
const badge = (status, label = status) => el('span', { class: `badge ${status}` }, label)

/** An integer above 2^53 as it was written: JSON.parse would round it. */
const RAW = Symbol('raw digits')

/** JSON.parse that keeps integers above 2^53 as their digits (the reviver's source text). */
function parseExact(text) {
  return JSON.parse(text, (key, value, context) =>
    typeof value === 'number' && !Number.isSafeInteger(value) && context && /^-?\d+$/.test(context.source) ? { [RAW]: context.source } : value,
  )
}

/** A value parsed by parseExact, as indented JSON with every digit it had. */
function pretty(value, indent = '') {
  if (value && value[RAW]) return value[RAW]
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[\n${value.map((item) => `${indent}  ${pretty(item, `${indent}  `)}`).join(',\n')}\n${indent}]`
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
    if (entries.length === 0) return '{}'
    return `{\n${entries.map(([key, item]) => `${indent}  ${JSON.stringify(key)}: ${pretty(item, `${indent}  `)}`).join(',\n')}\n${indent}}`
  }
  return JSON.stringify(value)
}

// ---- pages ----

async function overview(current) {
  const { body } = await api('/api/stats')
  const minutes = body.minutes
  const width = 720
  const height = 220
  const pad = 30
  const top = Math.max(1, ...minutes.map((m) => Math.max(m.callbacks, m.done, m.retry, m.dead)))
  const x = (i) => pad + (i * (width - 2 * pad)) / Math.max(1, minutes.length)
  const y = (v) => height - pad - (v * (height - 2 * pad)) / top
  const barWidth = Math.max(1, (width - 2 * pad) / Math.max(1, minutes.length) - 2)
  const line = (key, color) =>
    el('polyline', { points: minutes.map((m, i) => `${x(i) + barWidth / 2},${y(m[key])}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2 })
  const chart = el(
    'svg',
    { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Callbacks and delivery outcomes per minute, last hour' },
    el('line', { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, stroke: '#d9dee5' }),
    el('text', { x: 4, y: pad, 'font-size': 11, fill: '#5f6b7a' }, String(top)),
    el('text', { x: 4, y: height - pad, 'font-size': 11, fill: '#5f6b7a' }, '0'),
    minutes.map((m, i) =>
      el(
        'rect',
        { x: x(i), y: y(m.callbacks), width: barWidth, height: height - pad - y(m.callbacks), fill: '#9ab8dc' },
        el('title', {}, `${time(m.minute)}: ${m.callbacks} callbacks, ${m.done} done, ${m.retry} retried, ${m.dead} dead`),
      ),
    ),
    line('done', '#1a7f37'),
    line('retry', '#9a6700'),
    line('dead', '#cf222e'),
  )
  const legend = el(
    'div',
    { class: 'legend' },
    ['callbacks', 'done', 'retry', 'dead'].map((key) => el('span', {}, el('span', { class: `swatch ${key}` }), key)),
  )
  const queues = el(
    'table',
    { id: 'queues' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', {}, 'Plugin instance'),
        el('th', {}, 'Pending'),
        el('th', {}, 'In flight'),
        el('th', {}, 'Dead'),
        el('th', { class: 'wide' }, 'Oldest pending'),
      ),
    ),
    el(
      'tbody',
      {},
      body.queues.map((q) =>
        el(
          'tr',
          {},
          el('td', {}, q.plugin),
          el('td', {}, String(q.pending)),
          el('td', {}, String(q.inFlight)),
          el('td', {}, q.dead ? el('a', { href: `#/dead-letters?plugin=${encodeURIComponent(q.plugin)}` }, String(q.dead)) : '0'),
          el('td', { class: 'wide' }, q.oldestPendingAt ? time(q.oldestPendingAt) : ''),
        ),
      ),
    ),
  )
  const total = (key) => minutes.reduce((sum, m) => sum + m[key], 0)
  if (!current()) return
  show(
    el('h1', {}, 'Overview'),
    el(
      'p',
      { class: 'muted' },
      `Last hour: ${total('callbacks')} callbacks; deliveries ${total('done')} done, ${total('retry')} retried, ${total('dead')} dead.`,
    ),
    chart,
    legend,
    el('h2', {}, 'Queues'),
    queues,
  )
}

async function events(params, current) {
  const form = el(
    'form',
    { class: 'filters', id: 'filters' },
    el(
      'label',
      { class: 'search' },
      'Search an id (room, group, user, message key)',
      el('input', { name: 'q', type: 'search', value: params.get('q') ?? '', placeholder: 'room-42' }),
    ),
    el('label', {}, 'Command', el('input', { name: 'command', value: params.get('command') ?? '', placeholder: 'Live.*' })),
    el('label', {}, 'App', el('input', { name: 'app', value: params.get('app') ?? '' })),
    el(
      'label',
      {},
      'Delivery status',
      el(
        'select',
        { name: 'status' },
        ['', 'pending', 'done', 'dead'].map((s) => el('option', { value: s, selected: params.get('status') === s }, s || 'any')),
      ),
    ),
    el('label', {}, 'Since', el('input', { name: 'since', type: 'datetime-local', value: params.get('since') ?? '' })),
    el('label', {}, 'Until', el('input', { name: 'until', type: 'datetime-local', value: params.get('until') ?? '' })),
    el('button', { type: 'submit' }, 'Search'),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const next = new URLSearchParams()
    for (const [key, value] of new FormData(form)) if (value) next.set(key, String(value))
    location.hash = `#/events?${next}`
  })
  const query = new URLSearchParams()
  for (const [key, value] of params) {
    if (!value) continue
    // datetime-local has no zone: the browser's own.
    query.set(key, key === 'since' || key === 'until' ? new Date(value).toISOString() : value)
  }
  const { body } = await api(`/api/events?${query}`)
  const rows = body.events.map((e) =>
    el(
      'tr',
      {},
      el('td', {}, el('a', { href: `#/events/${e.id}` }, time(e.receivedAt))),
      el('td', {}, e.command),
      el('td', { class: 'wide' }, e.app ?? e.sdkAppId),
      el('td', {}, e.deliveries.length ? e.deliveries.map((d) => badge(d.status, `${d.plugin}: ${d.status}`)) : el('span', { class: 'muted' }, 'not routed')),
    ),
  )
  const older = body.next
    ? el(
        'button',
        {
          class: 'secondary',
          type: 'button',
          onclick: () => {
            params.set('cursor', body.next)
            location.hash = `#/events?${params}`
          },
        },
        'Older',
      )
    : undefined
  if (!current()) return
  show(
    el('h1', {}, 'Events'),
    form,
    el(
      'table',
      { id: 'events' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Received'), el('th', {}, 'Command'), el('th', { class: 'wide' }, 'App'), el('th', {}, 'Deliveries'))),
      el('tbody', {}, rows),
    ),
    rows.length ? undefined : el('p', { class: 'muted' }, 'No event matches.'),
    el('div', { class: 'actions' }, older),
  )
}

async function eventPage(id, current) {
  const { text } = await api(`/api/events/${encodeURIComponent(id)}`)
  const body = parseExact(text)
  const facts = el(
    'dl',
    {},
    [
      ['Event id', body.id],
      ['Command', body.command],
      ['App', body.app ? `${body.app} (${body.sdkAppId})` : body.sdkAppId],
      ['Received', time(body.receivedAt)],
      ...Object.entries(body.query).map(([key, value]) => [`Query ${key}`, value]),
    ].map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
  )
  const decision = body.decision ? [el('h2', {}, 'Decision'), el('pre', {}, pretty(body.decision))] : []
  const deliveries = body.deliveries.map((d) =>
    el(
      'section',
      { class: 'delivery', 'data-plugin': d.plugin },
      el('strong', {}, d.plugin),
      ' ',
      badge(d.status),
      el('span', { class: 'muted' }, ` ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`),
      el(
        'ol',
        { class: 'timeline' },
        el('li', { class: 'muted' }, `${time(body.receivedAt)}: stored`),
        d.history.map((a) =>
          el('li', { class: a.outcome }, `${time(a.at)}: ${a.outcome} in ${Math.round(a.ms)} ms`, a.error ? el('div', { class: 'error' }, a.error) : undefined),
        ),
        d.status === 'pending' ? el('li', { class: 'pending' }, `due ${time(d.nextAt)}`) : undefined,
      ),
      d.status === 'dead'
        ? el(
            'div',
            { class: 'actions' },
            replayButton(d.id, () => eventPage(id, current)),
          )
        : undefined,
    ),
  )
  if (!current()) return
  show(
    el('p', {}, el('a', { href: '#/events' }, '← Events')),
    el('h1', {}, body.command),
    facts,
    ...decision,
    el('h2', {}, 'Deliveries'),
    deliveries.length ? deliveries : el('p', { class: 'muted' }, 'No route sent this event anywhere.'),
    el('h2', {}, 'Payload, as received'),
    el('pre', { id: 'payload' }, pretty(body.payload)),
  )
}

function replayButton(id, then) {
  return el(
    'button',
    {
      type: 'button',
      'data-replay': id,
      onclick: async (event) => {
        event.target.disabled = true
        await api(`/api/dead-letters/${id}/replay`, { method: 'POST' })
        await then()
      },
    },
    'Replay',
  )
}

async function deadLetters(params, current) {
  const plugin = params.get('plugin') ?? ''
  const { body } = await api(`/api/dead-letters${plugin ? `?plugin=${encodeURIComponent(plugin)}` : ''}`)
  const reload = () => deadLetters(params, current)
  const selection = plugin ? { plugin } : {}
  const rows = body.deadLetters.map((d) =>
    el(
      'tr',
      {},
      el('td', {}, el('a', { href: `#/events/${d.eventId}` }, d.command)),
      el('td', {}, d.plugin),
      el('td', { class: 'wide' }, String(d.attempts)),
      el('td', {}, el('span', { class: 'error' }, d.lastError ?? '')),
      el('td', { class: 'wide' }, time(d.deadAt)),
      el('td', {}, replayButton(d.id, reload)),
    ),
  )
  const all = async (action, question) => {
    if (!confirm(question)) return
    await api(`/api/dead-letters/${action}`, { method: 'POST', body: JSON.stringify(selection) })
    await reload()
  }
  if (!current()) return
  show(
    el('h1', {}, plugin ? `Dead letters of ${plugin}` : 'Dead letters'),
    el(
      'table',
      { id: 'dead-letters' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', {}, 'Event'),
          el('th', {}, 'Plugin instance'),
          el('th', { class: 'wide' }, 'Attempts'),
          el('th', {}, 'Last error'),
          el('th', { class: 'wide' }, 'Dead since'),
          el('th', {}, ''),
        ),
      ),
      el('tbody', {}, rows),
    ),
    rows.length ? undefined : el('p', { class: 'muted' }, 'No dead letters.'),
    rows.length
      ? el(
          'div',
          { class: 'actions' },
          el('button', { type: 'button', class: 'secondary', onclick: () => all('replay', `Replay ${rows.length} dead letters?`) }, 'Replay all'),
          el('button', { type: 'button', class: 'danger', onclick: () => all('purge', `Delete ${rows.length} dead letters for good?`) }, 'Purge all'),
        )
      : undefined,
  )
}

// ---- routing and login ----

async function route() {
  const mine = ++navigation
  const current = () => mine === navigation
  if (!sessionStorage.getItem(TOKEN_KEY)) return askToken()
  login.hidden = true
  logout.hidden = false
  const [path, search = ''] = location.hash.replace(/^#/, '').split('?')
  const params = new URLSearchParams(search)
  const page = path.startsWith('/events') ? 'events' : path.startsWith('/dead-letters') ? 'dead-letters' : 'overview'
  for (const link of document.querySelectorAll('nav a')) link.classList.toggle('active', link.dataset.page === page)
  try {
    if (path.startsWith('/events/')) await eventPage(decodeURIComponent(path.slice('/events/'.length)), current)
    else if (page === 'events') await events(params, current)
    else if (page === 'dead-letters') await deadLetters(params, current)
    else await overview(current)
  } catch (error) {
    if (error instanceof Unauthorized) return askToken('That token was not accepted.')
    if (current()) show(el('p', { class: 'error', role: 'alert' }, String(error.message || error)))
  }
}

function askToken(message = '') {
  sessionStorage.removeItem(TOKEN_KEY)
  main.replaceChildren()
  logout.hidden = true
  login.hidden = false
  document.getElementById('login-error').textContent = message
  document.getElementById('token').focus()
}

login.addEventListener('submit', (event) => {
  event.preventDefault()
  sessionStorage.setItem(TOKEN_KEY, document.getElementById('token').value)
  document.getElementById('token').value = ''
  void route()
})
logout.addEventListener('click', () => askToken())
window.addEventListener('hashchange', () => void route())
void route()
