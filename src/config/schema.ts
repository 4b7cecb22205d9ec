/**
 * The host config schema (docs/design.md §3, contract). Every object is closed
 * (`additionalProperties: false`) so a typo is an error, and every default lives here.
 * Plugin `options` are checked later against each plugin's own schema.
 */
import { Type as t, type Static } from '@sinclair/typebox'
import { LOG_LEVELS } from '../log.ts'

const closed = { additionalProperties: false } as const

/** An SDKAppID: a number, or its digits as text. */
const SdkAppId = t.Union([t.Integer({ minimum: 1 }), t.String({ pattern: '^[0-9]+$' })])

export const TrustProxy = t.Union([t.Boolean(), t.Array(t.String())], { default: false })

export const ServerConfig = t.Object(
  {
    /** @default '0.0.0.0' */
    hostname: t.String({ default: '0.0.0.0' }),
    /** @default 3000 (PORT in the environment overrides) */
    port: t.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
    /** The URL path configured in the Tencent console. @default '/callback' */
    path: t.String({ pattern: '^/', default: '/callback' }),
    /** Larger bodies are answered 413. @default 1048576 */
    maxBodyBytes: t.Integer({ minimum: 1, default: 1048576 }),
    /** A body not fully read by then is answered 408 and the connection closed. @default 10000 */
    readTimeoutMs: t.Integer({ minimum: 1, default: 10000 }),
    /** IPs or CIDRs allowed to call; empty allows anyone. @default [] */
    allowIps: t.Array(t.String(), { default: [] }),
    /**
     * Whose X-Forwarded-For names the caller: the IPs or CIDRs of the proxies you run (the
     * header is read only when the peer is one of them), `true` for its right-most entry
     * whoever the peer is, or `false` for the peer address. @default false
     */
    trustProxy: TrustProxy,
  },
  { ...closed, default: {} },
)

export const LogConfig = t.Object(
  {
    /** @default 'info' (LOG_LEVEL overrides) */
    level: t.Union(
      LOG_LEVELS.map((level) => t.Literal(level)),
      { default: 'info' },
    ),
  },
  { ...closed, default: {} },
)

export const PLUGIN_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]*$'

/** One Tencent app with its own callback token (docs/design.md §3 `tencent.apps`). */
export const AppConfig = t.Object(
  {
    /** How routes, metrics, logs and `event.app` name the app; the plugin-id pattern, not all digits (a route's `app:` could not tell it from an SdkAppid). */
    name: t.String({ pattern: '^(?![0-9]+$)[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 64 }),
    /** The app's SDKAppID. */
    sdkAppId: SdkAppId,
    /** This app's callback token; empty means Sign is not required for it. @default '' */
    token: t.String({ default: '', maxLength: 128 }),
    /** Extra tokens of this app accepted during rotation. */
    tokens: t.Optional(t.Array(t.String({ minLength: 1, maxLength: 128 }))),
  },
  closed,
)

/**
 * Either `apps` (each app with its own token) or `sdkAppId` with `token`/`tokens` (one token
 * set for every listed app); config/apps.ts reports both or neither.
 */
export const TencentConfig = t.Object(
  {
    /** The app's SDKAppID, or a list for several apps sharing `token`. */
    sdkAppId: t.Optional(t.Union([SdkAppId, t.Array(SdkAppId, { minItems: 1 })])),
    /** Callback authentication token; empty means Sign is not required. @default '' */
    token: t.String({ default: '', maxLength: 128 }),
    /** Extra tokens accepted during rotation. */
    tokens: t.Optional(t.Array(t.String({ minLength: 1, maxLength: 128 }))),
    /** Several apps, each with its own token (replaces sdkAppId + token). */
    apps: t.Optional(t.Array(AppConfig, { minItems: 1 })),
    /** |now - RequestTime| above this is rejected (every app). @default 60 */
    maxClockSkewSeconds: t.Integer({ minimum: 1, default: 60 }),
  },
  closed,
)

/**
 * TRTC room and media callbacks on their own path (docs/design.md §1, "The TRTC path"). Absent:
 * no TRTC path is served. The SdkAppId header must be one of `sdkAppId` when given, else one of
 * the apps of `tencent` (config/trtc.ts).
 */
export const TrtcConfig = t.Object(
  {
    /** The URL path set as the TRTC callback URL; must differ from server.path. @default '/trtc' */
    path: t.String({ pattern: '^/', default: '/trtc' }),
    /** The callback key of the TRTC console (Tencent allows up to 32 letters and digits); a secret. */
    // At least 4 characters: shorter values are not redacted from logs (log.ts), and Tencent's keys are longer.
    key: t.String({ minLength: 4, maxLength: 128 }),
    /** The SdkAppIds TRTC callbacks may come for, when not those of `tencent`. */
    sdkAppId: t.Optional(t.Union([SdkAppId, t.Array(SdkAppId, { minItems: 1 })])),
  },
  closed,
)

/**
 * The operator console and its JSON API (docs/design.md §10), on a port of their own, never the
 * callback port. Absent: nothing listens. Off a loopback address a token is required.
 */
export const AdminConfig = t.Object(
  {
    /** The address to listen on; anything but a loopback address requires `token`. @default '127.0.0.1' */
    hostname: t.String({ minLength: 1, default: '127.0.0.1' }),
    /** @default 3001 */
    port: t.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
    /** Every API request must carry `Authorization: Bearer <token>` (at least 16 characters); a secret. Empty: none (loopback only). */
    token: t.String({ default: '' }),
  },
  closed,
)

export const StoreConfig = t.Object(
  {
    /** Embedded SQLite file, relative to the config file. @default './data/gateway.db' */
    path: t.String({ minLength: 1, default: './data/gateway.db' }),
    /** Done deliveries and old events are pruned after this many days. @default 7 */
    retentionDays: t.Number({ exclusiveMinimum: 0, default: 7 }),
    /** full: fsync per commit batch (survives power loss); normal: survives a killed process only. @default 'full' */
    sync: t.Union([t.Literal('full'), t.Literal('normal')], { default: 'full' }),
    /** PostgreSQL URL for a store shared by several instances. */
    url: t.Optional(t.String({ pattern: '^postgres(ql)?://' })),
    /** PostgreSQL: a claimed delivery's lease; an instance that dies loses its claims after this long. @default 30 */
    leaseSeconds: t.Integer({ minimum: 1, default: 30 }),
  },
  { ...closed, default: {} },
)

export const RetryConfig = t.Object(
  {
    /** Attempts before a delivery becomes a dead letter. @default 10 */
    maxAttempts: t.Integer({ minimum: 1, default: 10 }),
    /** First backoff step. @default 500 */
    initialDelayMs: t.Integer({ minimum: 0, default: 500 }),
    /** Backoff cap. @default 600000 */
    maxDelayMs: t.Integer({ minimum: 0, default: 600000 }),
  },
  { ...closed, default: {} },
)

export const PluginInstanceConfig = t.Object(
  {
    /** A built-in (folder under plugins/) or a path ./x.ts relative to the config file. */
    use: t.String({ minLength: 1 }),
    /** Disabled instances are not loaded, interpolated or validated. @default true */
    enabled: t.Boolean({ default: true }),
    /** Checked against the plugin's own schema. */
    options: t.Unknown({ default: {} }),
    retry: RetryConfig,
    /** Deliveries in flight for this instance; 1 keeps arrival order. Default: the plugin's own. */
    concurrency: t.Optional(t.Integer({ minimum: 1, maximum: 1024 })),
  },
  // The default is never used for a present instance; TypeBox only descends into record
  // values whose schema carries one, which is what applies `enabled` and `retry` defaults.
  { ...closed, default: {} },
)

/** Tencent waits 2 s for a Before answer; 100 ms are kept for the network and the store. */
export const MAX_BUDGET_MS = 1900

/** A route's app: a name from `tencent.apps`, or an SdkAppid. */
const AppRef = t.Union([t.String({ minLength: 1 }), t.Integer({ minimum: 1 })])

const WhereValue = t.Union([t.String(), t.Number(), t.Boolean()])

export const RouteConfig = t.Object(
  {
    /** An exact command, or a pattern such as `Live.*` or `*`. */
    match: t.String({ minLength: 1 }),
    /** Payload field (dotted path) equals the value, or one of the list. */
    where: t.Optional(t.Record(t.String({ minLength: 1 }), t.Union([WhereValue, t.Array(WhereValue, { minItems: 1 })]))),
    /** Plugin instance ids that get the event (After-style, with `event.decision` for Before callbacks). */
    to: t.Optional(t.Array(t.String({ minLength: 1 }), { minItems: 1 })),
    /** Before callbacks: the plugin instance whose decide() answers; the first matching route with one decides. */
    decide: t.Optional(t.String({ minLength: 1 })),
    /** The answer goes out by then, whatever the decider does. @default 1500 */
    budgetMs: t.Optional(t.Integer({ minimum: 1, maximum: MAX_BUDGET_MS })),
    /** The answer when there is no decider or it fails. Default: what Tencent does without an answer (gifts: deny; the rest: allow). */
    onFailure: t.Optional(t.Union([t.Literal('allow'), t.Literal('deny')])),
    /** Only callbacks of these apps: an app name or SdkAppid, or a list (docs/design.md §3). */
    app: t.Optional(t.Union([AppRef, t.Array(AppRef, { minItems: 1 })])),
  },
  closed,
)

export const DEFAULT_BUDGET_MS = 1500

export const GatewayConfig = t.Object(
  {
    server: ServerConfig,
    log: LogConfig,
    tencent: TencentConfig,
    trtc: t.Optional(TrtcConfig),
    admin: t.Optional(AdminConfig),
    store: StoreConfig,
    /** Same command + same payload within this window is delivered once. @default 600 */
    dedupWindowSeconds: t.Integer({ minimum: 0, default: 600 }),
    plugins: t.Record(t.String({ pattern: PLUGIN_ID_PATTERN }), PluginInstanceConfig, { default: {} }),
    routes: t.Array(RouteConfig, { default: [] }),
    /** Overlays, deep-merged over the base (maps merge, lists replace). */
    environments: t.Optional(t.Record(t.String({ minLength: 1 }), t.Record(t.String(), t.Unknown()))),
  },
  closed,
)

export type GatewayConfig = Static<typeof GatewayConfig>
export type ServerConfig = Static<typeof ServerConfig>
export type TrustProxy = Static<typeof TrustProxy>
export type StoreConfig = Static<typeof StoreConfig>
export type RetryConfig = Static<typeof RetryConfig>
export type RouteConfig = Static<typeof RouteConfig>
export type TencentConfig = Static<typeof TencentConfig>
export type AppConfig = Static<typeof AppConfig>
export type TrtcConfig = Static<typeof TrtcConfig>
export type AdminConfig = Static<typeof AdminConfig>
export type PluginInstanceConfig = Static<typeof PluginInstanceConfig>
