/**
 * The SQLite store's file: its schema and version check, the start-up recovery, and the
 * helpers that name the file in what goes wrong opening it.
 */
import { realpathSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { GatewayError } from '../../errors.ts'

/**
 * Schema version 3. Added within version 3, each created at the next start (a version 3 binary
 * that predates them ignores them): `attempts`, one row per delivery attempt, written with its
 * outcome; `event_search`, the payload values an operator searches by (search-index.ts), filled
 * in the background up to `search_state.indexed_seq`. `deliveries_dead` (added within version 3, created at the next start) lets
 * stats and the dead-letter list read the dead letters alone: without it both scanned every
 * delivery row kept for retention, on the serving thread (45 ms per 600,000 rows).
 * `seq` is the rowid (one B-tree per event; the UUID `id` is a plain column:
 * a TEXT primary key measured 3.2 µs more per insert than an integer one). `dedup_key` is
 * kept with the event so the dedup window can be rebuilt at start; `decision` (version 3) is a
 * Before callback's answer, as JSON text, null for After callbacks.
 */
const SCHEMA_VERSION = 3
/** The one older version that is upgraded in place: version 3 only added `events.decision`. */
const UPGRADABLE_VERSION = 2
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  command TEXT NOT NULL,
  sdk_app_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  client_ip TEXT,
  opt_platform TEXT,
  body TEXT NOT NULL,
  dedup_key TEXT,
  decision TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY,
  event_seq INTEGER NOT NULL,
  plugin TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  first_error TEXT,
  last_error TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (plugin, next_at, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS deliveries_event ON deliveries (event_seq);
CREATE INDEX IF NOT EXISTS deliveries_dead ON deliveries (plugin, id) WHERE status = 'dead';
CREATE TABLE IF NOT EXISTS attempts (
  delivery_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  ms REAL NOT NULL,
  outcome TEXT NOT NULL,
  error TEXT
);
CREATE INDEX IF NOT EXISTS attempts_delivery ON attempts (delivery_id);
CREATE VIRTUAL TABLE IF NOT EXISTS event_search USING fts5(terms, content='', contentless_delete=1, tokenize="unicode61 tokenchars '_'");
CREATE TABLE IF NOT EXISTS search_state (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_seq INTEGER NOT NULL);
`

/** The file a path names, through symlinks (of the file or of its folders), existing or not. */
export function realStorePath(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return join(realpathSync(dirname(path)), basename(path))
  }
}

/** Runs `open` on the store file, naming the file in whatever it throws. */
export function opening<T>(path: string, open: () => T): T {
  try {
    return open()
  } catch (error) {
    if (error instanceof GatewayError) throw error
    const message = (error as Error).message
    const hint = /locked|busy/i.test(message)
      ? ' (another process holds a lock on it: a sqlite3 shell or a long dlq command)'
      : /not a database|malformed/i.test(message)
        ? ' (it is not a gateway store, or it is damaged: move it away and restore a copy)'
        : /full/i.test(message)
          ? ' (free disk space, then start again)'
          : ''
    throw new GatewayError(`cannot open the store ${path}: ${message}${hint}`, 'STORE_OPEN', 1, { cause: error })
  }
}

/** Opens the file, checks or creates the schema, and recovers what a killed process left. */
export function openDatabase(path: string, waitMs: number): DatabaseSync {
  const db = new DatabaseSync(path)
  try {
    // At start-up a lock held elsewhere is waited for: nothing is being served yet.
    db.exec(`PRAGMA busy_timeout = ${waitMs}`)
    db.exec('PRAGMA journal_mode = WAL')
    db.exec('PRAGMA synchronous = NORMAL')
    const version = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version)
    const hasTables = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get() !== undefined
    if (hasTables && version === UPGRADABLE_VERSION) {
      // One transaction: a crash leaves version 2 untouched or version 3 complete. Pending
      // deliveries stay where they are, so an upgrade strands nothing.
      db.exec(`BEGIN IMMEDIATE; ALTER TABLE events ADD COLUMN decision TEXT; PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT`)
    } else if (hasTables && version !== SCHEMA_VERSION) {
      throw new GatewayError(
        `${path} holds store schema version ${version}; this version uses ${SCHEMA_VERSION}. Drain it with the version that wrote it, or move the file away.`,
        'STORE_SCHEMA',
        1,
      )
    }
    db.exec(SCHEMA)
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`)
    // Frames a killed process committed but never synced are visible now (page cache) and
    // would rebuild the dedup window: make them durable before anything is answered from them.
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    return db
  } catch (error) {
    db.close()
    throw error
  }
}
