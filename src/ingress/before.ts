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
import { fallbackAnswer, renderBody, renderDecision, type Answer } from '../tencent/decisions.ts'
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

export function createBeforeStep(deps: BeforeDeps) {
  const { store, scrub } = deps
  /** First copies being decided in this process: a copy arriving meanwhile shares the answer. */
  const deciding = new Map<string, Promise<Attempt>>()

  async function ask(plan: DecisionPlan, event: GatewayEvent, deadline: number): Promise<Attempt> {
    const started = performance.now()
    const fallback = (reason: string, overrun?: boolean): Attempt => {
      const answer = fallbackAnswer(plan.onFailure)
      return { answer, decision: recordOf(answer, 'fallback', performance.now() - started, plan.decider, scrub(reason)), overrun }
    }
    if (!plan.decider) return fallback(`no decider for ${event.command}: answered onFailure (${plan.onFailure})`)
    const instance = deps.deciders().get(plan.decider)
    if (!instance?.decide) return fallback(`decider ${plan.decider} is not running`)
    const remaining = deadline - started
    if (remaining <= 0) return fallback('the budget was spent before the decider was asked (slow request body)')

    const controller = new AbortController()
    const ctx: DecideContext = { signal: controller.signal, deadline: Date.now() + remaining }
    let result: unknown
    try {
      result = await withTimeout(
        Promise.resolve().then(() => instance.decide!(event, ctx)),
        remaining,
        () => {
          controller.abort(new DOMException(`decision budget of ${plan.budgetMs} ms ran out`, 'TimeoutError'))
          return LATE
        },
      )
    } catch (error) {
      return fallback(`decider ${plan.decider} threw ${describe(error)}`)
    }
    if (result === LATE) return fallback(`decider ${plan.decider} did not answer within ${plan.budgetMs} ms`, true)
    const rendered = renderDecision(plan.spec, result)
    if (!rendered.ok) return fallback(`decider ${plan.decider} answered an invalid decision: ${rendered.reason}`)
    return { answer: rendered.answer, decision: recordOf(rendered.answer, 'plugin', performance.now() - started, plan.decider) }
  }

  /**
   * `startedAt` is performance.now() when the request arrived: the budget counts from there,
   * since Tencent's 2 s do too.
   */
  return async function decideBefore(plan: DecisionPlan, stored: NewEvent, payload: Record<string, unknown>, startedAt: number): Promise<BeforeResult> {
    const deadline = startedAt + plan.budgetMs
    const hardDeadline = deadline + STORE_GRACE_MS
    const key = stored.dedupKey
    const untilDeadline = <T>(promise: Promise<T>, late: () => T): Promise<T> => withTimeout(promise, Math.max(0, deadline - performance.now()), late)

    if (key) {
      const first = deciding.get(key)
      const repeated = first
        ? await untilDeadline(first, () => undefined)
        : await untilDeadline(
            store.recallDecision(key, stored.receivedAt).then(
              (text) => (text ? answerFromRecord(text) : undefined),
              () => undefined,
            ),
            () => undefined,
          )
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
    const decided = ask(plan, event, deadline)
    if (key) {
      deciding.set(key, decided)
      void decided.finally(() => {
        if (deciding.get(key) === decided) deciding.delete(key)
      })
    }
    const attempt = await decided

    stored.decision = JSON.stringify(attempt.decision)
    let appended: AppendResult | 'late'
    try {
      appended = await withTimeout(store.append(stored), Math.max(0, hardDeadline - performance.now()), () => 'late' as const)
    } catch (error) {
      return unstored(plan, attempt, `the store could not record the decision: ${describe(error)}`)
    }
    if (appended === 'late') return unstored(plan, attempt, `the store did not record the decision within the budget`)
    const outcome = appended === 'duplicate' ? 'duplicate' : stored.targets.length ? 'ok' : 'unrouted'
    return { ...attempt, outcome }
  }

  function unstored(plan: DecisionPlan, attempt: Attempt, reason: string): BeforeResult {
    const answer = fallbackAnswer(plan.onFailure)
    const decision = recordOf(answer, 'fallback', attempt.decision.ms, plan.decider, scrub(reason))
    return { answer, decision, outcome: 'ok', unstored: reason, overrun: attempt.overrun }
  }
}
