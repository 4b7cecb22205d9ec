/** Micro-benchmark: node:sqlite vs bun:sqlite on the store's write pattern (WAL, synchronous=FULL, 40 events per commit), same run. `bun bench/sqlite-drivers.ts` */
import { Database } from 'bun:sqlite'
import { DatabaseSync } from 'node:sqlite'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
const N = 40000,
  BATCH = 40
const body =
  '{"CallbackCommand":"Live.CallbackAfterDestroyRoom","Operator_Account":"admin","RoomId":"room-x","EventType":"DestroyByUser","EventTime":1703589922780}'
function run(name: string, db: any) {
  db.exec('PRAGMA journal_mode=WAL')
  db.exec('PRAGMA synchronous=FULL')
  db.exec('CREATE TABLE e (id TEXT PRIMARY KEY, body TEXT, t INTEGER)')
  db.exec("CREATE TABLE d (id INTEGER PRIMARY KEY, eid TEXT, p TEXT, s TEXT DEFAULT 'pending', n INTEGER)")
  db.exec("CREATE INDEX d_due ON d (p, n, id) WHERE s = 'pending'")
  const ie = db.prepare('INSERT INTO e VALUES (?, ?, ?)'),
    id = db.prepare('INSERT INTO d (eid, p, n) VALUES (?, ?, ?)')
  const begin = db.prepare('BEGIN IMMEDIATE'),
    commit = db.prepare('COMMIT')
  const t0 = performance.now()
  for (let i = 0; i < N; i += BATCH) {
    begin.run()
    for (let j = i; j < i + BATCH; j++) {
      const eid = crypto.randomUUID()
      ie.run(eid, body, j)
      id.run(eid, 'a', j)
      id.run(eid, 'b', j)
    }
    commit.run()
  }
  const ms = performance.now() - t0
  console.log(name, `${Math.round(N / (ms / 1000))} events/s`, `${(ms / (N / BATCH)).toFixed(3)} ms/commit`)
}
const dir = mkdtempSync(join(tmpdir(), 'sq-'))
run('node:sqlite', new DatabaseSync(join(dir, 'a.db')))
run('bun:sqlite ', new Database(join(dir, 'b.db')))
run('node:sqlite', new DatabaseSync(join(dir, 'c.db')))
run('bun:sqlite ', new Database(join(dir, 'd.db')))
