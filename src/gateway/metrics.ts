/**
 * Prometheus metrics through prom-client (the Node ecosystem's standard client; it runs on
 * Bun and Deno). Counters are bumped on the hot path; queue depth and dead letters are read
 * from the store only when /metrics is scraped.
 */
import Counter from 'prom-client/lib/counter.js'
import Gauge from 'prom-client/lib/gauge.js'
import Histogram from 'prom-client/lib/histogram.js'
import Registry from 'prom-client/lib/registry.js'
import { UNKNOWN_APP } from '../config/apps.ts'
import type { DeliveryOutcome } from '../delivery/dispatcher.ts'
import type { DeliveryStore } from '../store/store.ts'
import type { CallbackOutcome } from '../ingress/pipeline.ts'
import { KNOWN_COMMANDS } from '../tencent/commands/index.ts'
import { BEFORE_COMMANDS } from '../tencent/decisions.ts'
import { TRTC_COMMANDS } from '../tencent/trtc.ts'

// Registry commands (docs/design.md §8.3), plus any Before command decisions.ts knows.
const KNOWN = new Set([...KNOWN_COMMANDS, ...BEFORE_COMMANDS.keys(), ...TRTC_COMMANDS.map((c) => c.command)])
/**
 * The command label is caller-controlled: unknown commands share one label value, so a caller
 * cannot grow the label set without bound.
 */
function commandLabel(command: string | undefined): string {
  if (!command) return 'none'
  return KNOWN.has(command) ? command : 'other'
}

export interface GatewayMetrics {
  registry: Registry
  observeCallback(outcome: CallbackOutcome): void
  observeDelivery(plugin: string, outcome: DeliveryOutcome, ms: number): void
  /** Text for GET /metrics. */
  render(): Promise<string>
  contentType: string
}

export function createMetrics(store: DeliveryStore, inFlight: () => Record<string, number>): GatewayMetrics {
  const registry = new Registry()
  const callbacks = new Counter({
    name: 'gateway_callbacks_total',
    help: 'Callbacks received, by command, outcome (ok, unrouted, duplicate, or the rejection reason) and app (its name, else its SdkAppid; unknown when not ours).',
    labelNames: ['command', 'outcome', 'app'],
    registers: [registry],
  })
  const ackSeconds = new Histogram({
    name: 'gateway_ack_duration_seconds',
    help: 'Time from request start to the answer, stores included.',
    labelNames: ['status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
    registers: [registry],
  })
  const skew = new Gauge({
    name: 'gateway_clock_skew_seconds',
    help: "Local time minus RequestTime of the app's last callback whose Sign verified, in or out of the window (positive: the callback is older than our clock).",
    labelNames: ['app'],
    registers: [registry],
  })
  const decisions = new Counter({
    name: 'gateway_decisions_total',
    help: 'Before-callback answers by command, action (allow, deny, drop, modify) and source (plugin: the decider answered; fallback: onFailure).',
    labelNames: ['command', 'action', 'source'],
    registers: [registry],
  })
  const decisionSeconds = new Histogram({
    name: 'gateway_decision_duration_seconds',
    help: 'Time a decision took, from asking the decider to its answer or the fallback (repeats answered from the record excluded).',
    labelNames: ['command'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 1.9],
    registers: [registry],
  })
  const overruns = new Counter({
    name: 'gateway_decision_budget_overruns_total',
    help: 'Decisions whose decider was still working when the route budget ran out (answered onFailure).',
    labelNames: ['command'],
    registers: [registry],
  })
  const deliveries = new Counter({
    name: 'gateway_deliveries_total',
    help: 'Delivery attempts by plugin instance and outcome (done, retry, dead, interrupted by shutdown).',
    labelNames: ['plugin', 'outcome'],
    registers: [registry],
  })
  const deliverySeconds = new Histogram({
    name: 'gateway_delivery_duration_seconds',
    help: 'Time one delivery attempt took, by plugin instance.',
    labelNames: ['plugin'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  })
  const queueDepth = new Gauge({
    name: 'gateway_queue_depth',
    help: 'Pending deliveries (due or waiting for a retry) per plugin instance.',
    labelNames: ['plugin'],
    registers: [registry],
  })
  const deadLetters = new Gauge({
    name: 'gateway_dead_letters',
    help: 'Dead letters per plugin instance.',
    labelNames: ['plugin'],
    registers: [registry],
  })
  const oldestPending = new Gauge({
    name: 'gateway_oldest_pending_age_seconds',
    help: 'Age of the oldest pending delivery per plugin instance.',
    labelNames: ['plugin'],
    registers: [registry],
  })
  const inFlightGauge = new Gauge({
    name: 'gateway_deliveries_in_flight',
    help: 'Deliveries being attempted now, per plugin instance.',
    labelNames: ['plugin'],
    registers: [registry],
  })
  new Gauge({
    name: 'gateway_process_resident_memory_bytes',
    help: 'Resident set size of the gateway process.',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage().rss)
    },
  })

  async function collectQueues(): Promise<void> {
    const now = Date.now()
    queueDepth.reset()
    deadLetters.reset()
    oldestPending.reset()
    // Every running instance has a series, 0 when its queue is empty.
    for (const plugin of Object.keys(inFlight())) {
      queueDepth.set({ plugin }, 0)
      deadLetters.set({ plugin }, 0)
    }
    for (const row of await store.stats()) {
      queueDepth.set({ plugin: row.plugin }, row.pending)
      deadLetters.set({ plugin: row.plugin }, row.dead)
      if (row.oldestPendingAt !== undefined) oldestPending.set({ plugin: row.plugin }, Math.max(0, (now - row.oldestPendingAt) / 1000))
    }
    inFlightGauge.reset()
    for (const [plugin, count] of Object.entries(inFlight())) inFlightGauge.set({ plugin }, count)
  }

  // Label children cached by their values: prom-client hashes a labels object on every call.
  const children = new Map<string, { inc(): void } | { observe(v: number): void }>()
  function child<T>(key: string, make: () => T): T {
    let found = children.get(key) as T | undefined
    if (!found) children.set(key, (found = make()) as never)
    return found
  }

  return {
    registry,
    contentType: registry.contentType,
    observeCallback(o) {
      const command = commandLabel(o.command)
      // Bounded like the command: o.app is set only for a configured app, never from the caller.
      const app = o.app ?? UNKNOWN_APP
      child(`c\0${command}\0${o.outcome}\0${app}`, () => callbacks.labels(command, o.outcome, app)).inc()
      child(`a\0${o.status}`, () => ackSeconds.labels(String(o.status))).observe(o.ms / 1000)
      if (o.skewSeconds !== undefined) skew.set({ app }, o.skewSeconds)
      const d = o.decision
      if (d) {
        child(`D\0${command}\0${d.action}\0${d.source}`, () => decisions.labels(command, d.action, d.source)).inc()
        if (o.outcome !== 'duplicate') child(`T\0${command}`, () => decisionSeconds.labels(command)).observe(d.ms / 1000)
        if (o.overrun) child(`O\0${command}`, () => overruns.labels(command)).inc()
      }
    },
    observeDelivery(plugin, outcome, ms) {
      child(`d\0${plugin}\0${outcome}`, () => deliveries.labels(plugin, outcome)).inc()
      if (outcome !== 'interrupted') child(`t\0${plugin}`, () => deliverySeconds.labels(plugin)).observe(ms / 1000)
    },
    async render() {
      await collectQueues()
      return registry.metrics()
    },
  }
}
