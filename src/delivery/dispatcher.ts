/**
 * Delivers stored events to plugin instances. Each instance is a lane with its own
 * concurrency, retry schedule and backlog, so a slow or dead sink never delays another.
 * Lanes page due deliveries from the store (the backlog lives on disk, not in memory)
 * and wake on new commits, on their next retry time, and on a slow heartbeat that
 * picks up work written by another process (a `dlq replay` from the CLI).
 */
import type { PluginInstanceSpec } from '../config/instances.ts'
import type { Logger } from '../log.ts'
import { PermanentError, RetryLater, type GatewayEvent, type PluginInstance, type RecordedDecision } from '../plugin.ts'
import { parseLossless } from '../tencent/lossless-json.ts'
import { backoffDelay } from './backoff.ts'
import { withTimeout } from '../timeout.ts'
import { Lane } from './lane.ts'
import type { ClaimedDelivery, DeliveryStore } from '../store/store.ts'
import type { AttemptTiming } from '../store/event-log.ts'

/** What one attempt came to: done, a retry scheduled, a dead letter, or cut off by shutdown. */
export type DeliveryOutcome = 'done' | 'retry' | 'dead' | 'interrupted'

/** What a lane needs of a running plugin instance: its config's id, concurrency and retry, and the instance. */
/** A lane's instance: one that implements `deliver` (a decide-only instance has no queue). */
export type LaneSpec = Pick<PluginInstanceSpec, 'id' | 'concurrency' | 'retry'> & { instance: PluginInstance & Pick<Required<PluginInstance>, 'deliver'> }

export interface DispatcherOptions {
  logger: Logger
  /** Removes secrets from error texts before they are stored (dlq list shows them). */
  scrub?: (text: string) => string
  /** @default 2000 */
  heartbeatMs?: number
  /** True once plugins were told to abort (shutdown past its drain time). */
  aborted?: () => boolean
  /** Called after every attempt (metrics). */
  onOutcome?: (plugin: string, outcome: DeliveryOutcome, ms: number) => void
  /**
   * True while callbacks pour in: lanes then run one delivery at a time, so the answers to
   * Tencent get the thread first. The backlog waits on disk and drains when the burst ends.
   */
  busy?: () => boolean
  random?: () => number
  /** The configured name of the app with this SdkAppid, for `event.app` (docs/design.md §5). */
  appName?: (sdkAppId: string) => string | undefined
}

export class Dispatcher {
  stopping = false
  readonly heartbeatMs: number
  readonly logger: Logger
  readonly aborted?: () => boolean
  readonly busy: () => boolean
  #lanes = new Map<string, Lane>()
  /** Lanes a reload retired that still finish in-flight deliveries. */
  #retiring = new Set<Lane>()
  #scrub: (text: string) => string
  #onOutcome: DispatcherOptions['onOutcome']
  #random: () => number
  #appName: (sdkAppId: string) => string | undefined

  constructor(
    readonly store: DeliveryStore,
    lanes: LaneSpec[],
    options: DispatcherOptions,
  ) {
    this.logger = options.logger
    this.heartbeatMs = options.heartbeatMs ?? 2000
    this.aborted = options.aborted
    this.busy = options.busy ?? (() => false)
    this.#onOutcome = options.onOutcome
    this.#scrub = options.scrub ?? ((text) => text)
    this.#random = options.random ?? Math.random
    this.#appName = options.appName ?? (() => undefined)
    for (const spec of lanes) this.#lanes.set(spec.id, new Lane(spec, this))
    store.onAppended((plugins) => {
      for (const id of plugins) this.#lanes.get(id)?.wake()
    })
    // An ordered lane waits on a claim ending (its head). On a shared queue an idle lane may also
    // have found only claimed rows (a retry whose new time was not committed yet). On SQLite a
    // retry wakes its lane at its time (#retried) and a given-back claim wakes it (#release),
    // so an outcome's commit claims nothing: that cost a claim query per delivery.
    store.onReleased((plugin) => {
      const lane = this.#lanes.get(plugin)
      if (lane && (lane.spec.concurrency === 1 || (store.shared && lane.idle()))) lane.wake()
    })
  }

  /** Wakes the current lane of `plugin` (every lane without one): a retired lane gave claims back, or dead letters were replayed. */
  wake(plugin?: string): void {
    if (plugin === undefined) for (const lane of this.#lanes.values()) lane.wake()
    else this.#lanes.get(plugin)?.wake()
  }

  start(): void {
    for (const lane of this.#lanes.values()) void lane.pump()
  }

  /** Deliveries in flight, per plugin instance id (retiring lanes included). */
  inFlight(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const lane of [...this.#lanes.values(), ...this.#retiring]) out[lane.spec.id] = (out[lane.spec.id] ?? 0) + lane.inFlight
    return out
  }

  /**
   * Config reload: lanes whose instance is unchanged stay; new or changed instances get a
   * new lane at once; replaced and removed lanes stop claiming and the promise resolves
   * when their in-flight deliveries have finished (then their instances may be closed).
   * Old and new lanes of one id share the store's claims, so nothing is delivered twice.
   */
  async setLanes(specs: LaneSpec[]): Promise<void> {
    const next = new Map(specs.map((spec) => [spec.id, spec]))
    const retired: Lane[] = []
    for (const [id, lane] of this.#lanes) {
      const spec = next.get(id)
      if (spec && spec.instance === lane.spec.instance && spec.concurrency === lane.spec.concurrency && spec.retry === lane.spec.retry) continue
      lane.retired = true
      lane.stop()
      this.#lanes.delete(id)
      retired.push(lane)
    }
    for (const spec of specs) {
      if (this.#lanes.has(spec.id)) continue
      const lane = new Lane(spec, this)
      this.#lanes.set(spec.id, lane)
      if (!this.stopping) void lane.pump()
    }
    for (const lane of retired) this.#retiring.add(lane)
    await Promise.all(retired.map((lane) => lane.drained().then(() => this.#retiring.delete(lane))))
  }

  /** One attempt. Its lane slot frees as soon as the plugin answered; the outcome is recorded in the background. */
  async attempt(lane: Lane, delivery: ClaimedDelivery): Promise<void> {
    const { spec } = lane
    try {
      await this.#attempt(lane, delivery)
    } catch (error) {
      // Unexpected (nothing was recorded): give the claim back so the delivery is tried again.
      this.logger.error('delivery attempt failed unexpectedly; it stays pending', { plugin: spec.id, deliveryId: delivery.id, error })
      void this.store.release(delivery.id).then(() => this.#lanes.get(spec.id)?.wake())
    }
  }

  async #attempt(lane: Lane, delivery: ClaimedDelivery): Promise<void> {
    const { spec } = lane
    // Outcomes join the store's next group commit; the lane does not wait for it, so delivery
    // throughput is not bound by commit latency. The store keeps the delivery claimed until
    // the commit, so it is not handed out again meanwhile; a refused write is held (held-outcomes.ts).
    const record = (write: () => Promise<void>) => lane.held.record(delivery, write)
    const attempt = delivery.attempts + 1
    let event: GatewayEvent
    try {
      event = toGatewayEvent(delivery, attempt, this.#appName(delivery.event.sdkAppId))
    } catch (error) {
      const reason = `stored body is unreadable: ${(error as Error).message}`
      const timing = { at: Date.now(), ms: 0 }
      record(() => this.store.bury(delivery.id, reason, timing))
      this.#onOutcome?.(spec.id, 'dead', 0)
      return
    }
    const at = Date.now()
    const started = performance.now()
    try {
      await spec.instance.deliver(event)
    } catch (error) {
      const timing = { at, ms: performance.now() - started }
      const outcome = this.#failed(spec, delivery, attempt, error, record, timing)
      this.#onOutcome?.(spec.id, outcome, timing.ms)
      return
    }
    const timing = { at, ms: performance.now() - started }
    record(() => this.store.complete(delivery.id, timing))
    this.#onOutcome?.(spec.id, 'done', timing.ms)
  }

  #failed(
    spec: LaneSpec,
    delivery: ClaimedDelivery,
    attempt: number,
    error: unknown,
    record: (write: () => Promise<void>) => void,
    timing: AttemptTiming,
  ): DeliveryOutcome {
    const message = this.#scrub(describeError(error))
    const fields = { plugin: spec.id, eventId: delivery.event.id, deliveryId: delivery.id, attempt, error: message }
    if (this.stopping && this.aborted?.()) {
      // Cut off by shutdown, not by the sink: not an attempt; it stays pending for the next start.
      this.logger.info('delivery interrupted by shutdown; left pending', fields)
      void this.store.release(delivery.id)
      return 'interrupted'
    }
    if (error instanceof PermanentError) {
      this.logger.warn('delivery failed permanently; dead-lettered', fields)
      record(() => this.store.bury(delivery.id, message, timing))
      return 'dead'
    }
    if (attempt >= spec.retry.maxAttempts) {
      this.logger.warn('delivery failed; attempts exhausted; dead-lettered', { ...fields, maxAttempts: spec.retry.maxAttempts })
      record(() => this.store.bury(delivery.id, message, timing))
      return 'dead'
    }
    // A sink's own Retry-After wins over backoff, within the instance's maxDelayMs.
    const delay = error instanceof RetryLater ? Math.min(Math.max(0, error.delayMs), spec.retry.maxDelayMs) : backoffDelay(attempt, spec.retry, this.#random)
    this.logger.warn('delivery failed; will retry', { ...fields, retryInMs: delay })
    const nextAt = Date.now() + delay
    // Once committed, the lane of this id (a reload may have replaced it) wakes at its time.
    record(() => this.store.retry(delivery.id, nextAt, message, timing).then(() => this.#lanes.get(spec.id)?.wakeAt(nextAt)))
    return 'retry'
  }

  /** Stops claiming, then waits (bounded) for in-flight deliveries; unfinished ones stay pending. */
  async stop(timeoutMs: number): Promise<boolean> {
    this.stopping = true
    for (const lane of this.#lanes.values()) lane.stop()
    const drained = Promise.all([...this.#lanes.values(), ...this.#retiring].map((lane) => lane.drained())).then(() => true)
    const finished = await withTimeout(drained, timeoutMs, () => false)
    if (!finished) for (const lane of [...this.#lanes.values(), ...this.#retiring]) lane.held.abandon()
    return finished
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}

/** `app`: the name of the event's app in the current config (none in the single-token form). */
export function toGatewayEvent(delivery: ClaimedDelivery, attempt: number, app?: string): GatewayEvent {
  const { event } = delivery
  // Key order as in docs/design.md §5, so file-logger lines read naturally.
  return {
    id: event.id,
    command: event.command,
    sdkAppId: event.sdkAppId,
    ...(app !== undefined && { app }),
    receivedAt: new Date(event.receivedAt).toISOString(),
    ...(event.clientIp !== undefined && { clientIp: event.clientIp }),
    ...(event.optPlatform !== undefined && { optPlatform: event.optPlatform }),
    attempt,
    payload: parseLossless(event.body) as Record<string, unknown>,
    // Before callbacks only; big integers in its fields arrive as digit strings, as in payload.
    ...(event.decision !== undefined && { decision: parseLossless(event.decision) as RecordedDecision }),
  }
}
