/**
 * The Before-callback step of the pipeline (docs/design.md §9): a repeated callback is answered
 * from the record; otherwise the route's decider is asked within its budget, its answer checked
 * against the command's answer schema, and the event stored with the decision before the
 * answer goes out. Whatever fails (no decider, a throw, garbage, lateness, the store) gets the
 * route's `onFailure` answer, and the answer never waits past the budget plus STORE_GRACE_MS.
 */
import type { DecideContext, GatewayEvent, PluginInstance, RecordedDecision } from '../plugin.ts'
import type { DecisionPlan } from '../routing/match.ts'
import type { AppendResult, DeliveryStore, NewEvent } from '../store/store.ts'
import { fallbackAnswer, renderBody, renderDecision, type Answer, type Rendered } from '../tencent/decisions.ts'
import { MAX_BUDGET_MS } from '../config/schema.ts'
import type { Logger } from '../log.ts'
import { parseExact } from '../exact-json.ts'
import { withTimeout } from '../timeout.ts'

/**
 * Time the store gets past the budget when the decider used all of it: one group commit
 * (an fsync) normally takes a few ms. A store slower than this gets the fallback answered.
 */
export const STORE_GRACE_MS = 25

export interface BeforeDeps {
  store: DeliveryStore
  /** Running instances that implement decide(), by id. */
  deciders: () => ReadonlyMap<string, PluginInstance>
  /** Removes secrets from text that is stored (failure reasons). */
  scrub: (text: string) => string
  /** Shared with the gateway, which waits for running decisions before closing a decider. */
  inFlight?: DecisionsInFlight
  logger?: Logger
}

export interface BeforeResult {
  answer: Answer
  decision: RecordedDecision
  outcome: 'ok' | 'unrouted' | 'duplicate'
  /** Not stored (the store failed or was late): nothing is delivered. */
  unstored?: string
  /** The decider was still working when the budget ran out. */
  overrun?: boolean
}

type Attempt = { answer: Answer; decision: RecordedDecision; overrun?: boolean }

const LATE = Symbol('late')

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500)
  return String(error).slice(0, 500)
}

function recordOf(answer: Answer, source: RecordedDecision['source'], ms: number, decider?: string, reason?: string): RecordedDecision {
  return {
    action: answer.action,
    errorCode: answer.errorCode,
    ...(answer.errorInfo && { errorInfo: answer.errorInfo }),
    ...(answer.fields && { fields: answer.fields }),
    source,
    ...(decider && { decider }),
    ...(reason && { reason }),
    ms: Math.round(ms * 100) / 100,
  }
}

/** A stored decision back into its answer: the same body, big integers and all. */
function answerFromRecord(text: string): Attempt | undefined {
  try {
    const decision = parseExact(text) as RecordedDecision
    if (typeof decision?.errorCode !== 'number' || typeof decision.action !== 'string') return undefined
    const answer: Answer = { action: decision.action, errorCode: decision.errorCode, body: renderBody(decision.errorCode, decision.errorInfo, decision.fields) }
    return { answer, decision }
  } catch {
    return undefined
  }
}

/**
 * The decide() calls running per instance: a reload or shutdown closes a decider only once
 * its running decisions have finished (they end by their budget, 1.9 s at most).
 */
export class DecisionsInFlight {
  #running = new Map<PluginInstance, Set<Promise<unknown>>>()

  track<T>(instance: PluginInstance, work: Promise<T>): Promise<T> {
    let set = this.#running.get(instance)
    if (!set) this.#running.set(instance, (set = new Set()))
    set.add(work)
    const done = () => {
      set.delete(work)
      if (set.size === 0 && this.#running.get(instance) === set) this.#running.delete(instance)
    }
    work.then(done, done)
    return work
  }

  /** Resolves when the decisions of these instances running now have finished, or after `timeoutMs`. */
  async settled(instances: Iterable<PluginInstance>, timeoutMs = MAX_BUDGET_MS + STORE_GRACE_MS): Promise<void> {
    const running = [...instances].flatMap((instance) => [...(this.#running.get(instance) ?? [])])
    if (running.length) await withTimeout(Promise.allSettled(running), timeoutMs, () => undefined)
  }
}

export function createBeforeStep(deps: BeforeDeps) {
  const { store, scrub } = deps
  const inFlight = deps.inFlight ?? new DecisionsInFlight()
  /** First copies being decided and stored in this process: a copy arriving meanwhile gets the same answer. */
  const deciding = new Map<string, Promise<BeforeResult>>()

  async function ask(plan: DecisionPlan, event: GatewayEvent, deadline: number): Promise<Attempt> {
    const started = performance.now()
    const fallback = (reason: string, overrun?: boolean): Attempt => {
      const answer = fallbackAnswer(plan.onFailure)
      return { answer, decision: recordOf(answer, 'fallback', performance.now() - started, plan.decider, scrub(reason)), overrun }
    }
    if (!plan.decider) return fallback(`no decider for ${event.command}: answered onFailure (${plan.onFailure})`)
    const instance = deps.deciders().get(plan.decider)
    if (!instance?.decide) return fallback(`decider ${plan.decider} is disabled or not running`)
    const remaining = deadline - started
    if (remaining <= 0) return fallback('the budget was spent before the decider was asked (slow request body)')

    const controller = new AbortController()
    const ctx: DecideContext = { signal: controller.signal, deadline: Date.now() + remaining }
    let result: unknown
    try {
      const work = inFlight.track(
        instance,
        Promise.resolve().then(() => instance.decide!(event, ctx)),
      )
      result = await withTimeout(work, remaining, () => {
        controller.abort(new DOMException(`decision budget of ${plan.budgetMs} ms ran out`, 'TimeoutError'))
        return LATE
      })
    } catch (error) {
      return fallback(`decider ${plan.decider} threw ${describe(error)}`)
    }
    if (result === LATE) return fallback(`decider ${plan.decider} did not answer within ${plan.budgetMs} ms`, true)
    let rendered: Rendered
    try {
      rendered = renderDecision(plan.spec, result)
    } catch (error) {
      // A getter that throws, a cycle, a BigInt: whatever the decider handed back, it is its failure.
      rendered = { ok: false, reason: `the decision could not be read: ${describe(error)}` }
    }
    if (!rendered.ok) return fallback(`decider ${plan.decider} answered an invalid decision: ${rendered.reason}`)
    return { answer: rendered.answer, decision: recordOf(rendered.answer, 'plugin', performance.now() - started, plan.decider) }
  }

  /**
   * `startedAt` is performance.now() when the request arrived: the budget counts from there,
   * since Tencent's 2 s do too.
   */
  return function decideBefore(plan: DecisionPlan, stored: NewEvent, payload: Record<string, unknown>, startedAt: number): Promise<BeforeResult> {
    const deadline = startedAt + plan.budgetMs
    const key = stored.dedupKey
    if (!key) return decideAndStore(plan, stored, payload, deadline)
    // Checked and claimed in the same turn, so copies arriving together ask the decider once.
    const first = deciding.get(key)
    if (first) {
      const shared = first.then((result): BeforeResult => ({ ...result, outcome: 'duplicate', unstored: undefined, overrun: undefined }))
      const remaining = Math.max(0, deadline - performance.now())
      return withTimeout(shared, remaining, (): BeforeResult => {
        const answer = fallbackAnswer(plan.onFailure)
        return {
          answer,
          decision: recordOf(answer, 'fallback', plan.budgetMs, plan.decider, 'the first copy was still being decided when the budget ran out'),
          outcome: 'duplicate',
        }
      })
    }
    const result = decideAndStore(plan, stored, payload, deadline)
    deciding.set(key, result)
    const forget = () => {
      if (deciding.get(key) === result) deciding.delete(key)
    }
    result.then(forget, forget)
    return result
  }

  async function decideAndStore(plan: DecisionPlan, stored: NewEvent, payload: Record<string, unknown>, deadline: number): Promise<BeforeResult> {
    const hardDeadline = deadline + STORE_GRACE_MS
    if (stored.dedupKey) {
      const recall = store.recallDecision(stored.dedupKey, stored.receivedAt).then(
        (text) => (text ? answerFromRecord(text) : undefined),
        () => undefined,
      )
      const repeated = await withTimeout(recall, Math.max(0, deadline - performance.now()), () => undefined)
      if (repeated) return { ...repeated, outcome: 'duplicate' }
    }

    const event: GatewayEvent = {
      id: stored.id,
      command: stored.command,
      sdkAppId: stored.sdkAppId,
      receivedAt: new Date(stored.receivedAt).toISOString(),
      ...(stored.clientIp !== undefined && { clientIp: stored.clientIp }),
      ...(stored.optPlatform !== undefined && { optPlatform: stored.optPlatform }),
      attempt: 1,
      payload,
    }
    const attempt = await ask(plan, event, deadline)

    stored.decision = JSON.stringify(attempt.decision)
    // The store withdraws the write if it cannot commit it by then (a write already committing
    // may still land: that is logged below, since its record then differs from the answer).
    stored.deadline = Date.now() + Math.max(0, hardDeadline - performance.now())
    const append = store.append(stored)
    let appended: AppendResult | 'late'
    try {
      appended = await withTimeout(append, Math.max(0, hardDeadline - performance.now()), () => 'late' as const)
    } catch (error) {
      return unstored(plan, attempt, `the store could not record the decision: ${describe(error)}`)
    }
    if (appended === 'late') {
      const result = unstored(plan, attempt, 'the store did not record the decision within the budget')
      append.then(
        (late) => {
          if (late !== 'stored' || result.answer.errorCode === attempt.answer.errorCode) return
          deps.logger?.warn('a decided callback was stored after its answer went out: the record differs from the answer', {
            eventId: stored.id,
            command: stored.command,
            answered: result.answer.action,
            recorded: attempt.decision.action,
          })
        },
        () => {},
      )
      return result
    }
    const outcome = appended === 'duplicate' ? 'duplicate' : stored.targets.length ? 'ok' : 'unrouted'
    return { ...attempt, outcome }
  }

  function unstored(plan: DecisionPlan, attempt: Attempt, reason: string): BeforeResult {
    const answer = fallbackAnswer(plan.onFailure)
    const decision = recordOf(answer, 'fallback', attempt.decision.ms, plan.decider, scrub(reason))
    return { answer, decision, outcome: 'ok', unstored: reason, overrun: attempt.overrun }
  }
}
