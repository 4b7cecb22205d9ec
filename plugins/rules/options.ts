/**
 * The options of the rules plugin: closed objects, so a misspelt key is a config error that
 * names the key (and suggests the right one) before the gateway starts. What a schema cannot
 * say (one operator per condition, known word lists, valid regexes, `fields` only with
 * `modify`) is checked at setup, in ./compile.ts, with errors naming the rule.
 */
import { t } from '../../src/plugin.ts'
import type { Static } from '../../src/plugin.ts'

/** A decimal as text, for thresholds written in quotes. */
const DECIMAL = '^-?[0-9]+(\\.[0-9]+)?$'

/** A value to compare with: text, a number, or true/false. */
const Scalar = t.Union([t.String(), t.Number(), t.Boolean()])
/** A number, or a number written as text (write big integers as text: YAML numbers are doubles). */
const Threshold = t.Union([t.Number(), t.String({ pattern: DECIMAL })])

export const Condition = t.Object(
  {
    /** A dotted path into the payload; `[]` walks every element of an array, `[N]` takes one. */
    field: t.String({ minLength: 1 }),
    equals: t.Optional(Scalar),
    in: t.Optional(t.Array(Scalar, { minItems: 1 })),
    gt: t.Optional(Threshold),
    gte: t.Optional(Threshold),
    lt: t.Optional(Threshold),
    lte: t.Optional(Threshold),
    /** Substring; case-insensitive unless `caseSensitive: true`. */
    contains: t.Optional(t.String({ minLength: 1 })),
    /** A JavaScript regular expression (Unicode mode); case-sensitive unless `caseSensitive: false`. */
    matches: t.Optional(t.String({ minLength: 1 })),
    /** The name of a word list: a whole-word, case-insensitive match of any of its words. */
    containsWord: t.Optional(t.String({ minLength: 1 })),
    /** `true`: the field is present (and not null). `false`: it is absent. */
    exists: t.Optional(t.Boolean()),
    /** For `contains` (default false) and `matches` (default true). */
    caseSensitive: t.Optional(t.Boolean()),
    /** With `[]` in the path: every element must satisfy the condition, not just one. */
    every: t.Optional(t.Boolean()),
    /** Negates the condition (after `every` is applied). */
    not: t.Optional(t.Boolean()),
  },
  { additionalProperties: false },
)
export type Condition = Static<typeof Condition>

export const DecisionOption = t.Object(
  {
    action: t.Union([t.Literal('allow'), t.Literal('deny'), t.Literal('drop'), t.Literal('modify')]),
    errorCode: t.Optional(t.Integer()),
    errorInfo: t.Optional(t.String()),
    /** Answer fields, e.g. `MsgBody` or `CloudCustomData`: `modify` only, and required for it. */
    fields: t.Optional(t.Record(t.String(), t.Unknown())),
  },
  { additionalProperties: false },
)
export type DecisionOption = Static<typeof DecisionOption>

export const LimitOption = t.Object(
  {
    /** Payload path of the key counted, e.g. `GiftWater.From_Account` (no `[]`). */
    by: t.String({ minLength: 1 }),
    /** Events allowed per key in any window of `perSeconds`. */
    max: t.Integer({ minimum: 1 }),
    /** The length of the sliding window, in seconds (fractions allowed). */
    perSeconds: t.Number({ exclusiveMinimum: 0 }),
  },
  { additionalProperties: false },
)
export type LimitOption = Static<typeof LimitOption>

export const RuleOption = t.Object(
  {
    /** Shown in logs, setup errors, and the errorInfo of a deny or drop that gives none. */
    name: t.Optional(t.String({ minLength: 1 })),
    /** Commands the rule applies to: exact names, or patterns where `*` stands for any text. Absent: all. */
    commands: t.Optional(t.Array(t.String({ minLength: 1 }), { minItems: 1 })),
    /** Conditions that must all hold. */
    if: t.Optional(t.Array(Condition)),
    /** Fires only when the key would exceed `max` events in the window. */
    limit: t.Optional(LimitOption),
    then: DecisionOption,
  },
  { additionalProperties: false },
)
export type RuleOption = Static<typeof RuleOption>

/** A word list file, one word or phrase per line; `#` starts a comment line. */
const WordFile = t.Object({ file: t.String({ minLength: 1 }) }, { additionalProperties: false })

export const RulesOptions = t.Object(
  {
    /**
     * Named word lists for `containsWord`: inline, or `{ file }` relative to the config file's folder.
     * @default {}
     */
    wordLists: t.Record(t.String({ pattern: '^[A-Za-z0-9_.-]+$' }), t.Union([t.Array(t.String({ minLength: 1 }), { minItems: 1 }), WordFile]), {
      default: {},
      additionalProperties: false,
    }),
    /**
     * Checked in order; the first rule that fires decides.
     * @default []
     */
    rules: t.Array(RuleOption, { default: [] }),
    /**
     * The decision when no rule fires.
     * @default { action: 'allow' }
     */
    default: t.Optional(DecisionOption),
  },
  { additionalProperties: false },
)
export type RulesOptions = Static<typeof RulesOptions>
