-- Decisions (docs/design.md §8.4): a Before callback's answer, as JSON text, is kept with its event
-- (handed to deliveries) and with its dedup key (a repeated callback is answered from it). Null
-- for After callbacks and for everything stored before this migration.
ALTER TABLE gateway_events ADD COLUMN decision text;
-- The decision of the event that claimed the key (taking over an expired key replaces it).
ALTER TABLE gateway_dedup ADD COLUMN decision text;

-- gateway_claim also returns e.decision. A function's result type cannot be changed in place, so
-- it is dropped and created again. This body is a copy of 001.sql's, with `decision` added to
-- RETURNS TABLE and to both SELECT lists: migrations are never edited once released, so this is
-- the one accepted copy. Instances of the previous version still running keep working: they
-- read the rows by column name (the new one is ignored), and postgres.js prepares a statement
-- again when its cached plan's result type changed (RevalidateCachedQuery).
DROP FUNCTION gateway_claim(text, text, int8, int, int, boolean, int8, int8[]);
CREATE FUNCTION gateway_claim(p_plugin text, p_owner text, p_now int8, p_limit int, p_concurrency int, p_ordered boolean, p_lease_ms int8, p_held int8[])
RETURNS TABLE (id int8, token int8, plugin text, attempts int, next_at int8, event_id text, command text, sdk_app_id text,
               received_at int8, client_ip text, opt_platform text, body text, decision text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  db_now int8 := gateway_now();
  take int := p_limit;
  live int;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('tencent-callback-gateway:claim:' || current_schema() || ':' || p_plugin));
  DELETE FROM gateway_leases l WHERE l.plugin = p_plugin AND l.lease_until < db_now;
  IF p_concurrency IS NOT NULL THEN
    SELECT count(*) INTO live FROM gateway_leases l WHERE l.plugin = p_plugin;
    take := least(take, p_concurrency - live);
  END IF;
  IF take <= 0 THEN RETURN; END IF;
  IF p_ordered THEN
    RETURN QUERY
      WITH head AS (
        SELECT d.id, d.plugin, d.attempts, d.next_at, d.event_seq FROM gateway_deliveries d
        WHERE d.plugin = p_plugin AND d.status = 'pending' ORDER BY d.id LIMIT 1
        FOR UPDATE
      ), taken AS (
        INSERT INTO gateway_leases (delivery_id, plugin, owner, lease_until)
        SELECT h.id, p_plugin, p_owner, db_now + p_lease_ms FROM head h
        WHERE h.next_at <= p_now AND h.id <> ALL(p_held) AND NOT EXISTS (SELECT 1 FROM gateway_leases l WHERE l.delivery_id = h.id)
        RETURNING delivery_id, token
      )
      SELECT h.id, t.token, h.plugin, h.attempts, h.next_at, e.id, e.command, e.sdk_app_id, e.received_at, e.client_ip, e.opt_platform, e.body, e.decision
      FROM taken t JOIN head h ON h.id = t.delivery_id JOIN gateway_events e ON e.seq = h.event_seq;
  ELSE
    RETURN QUERY
      WITH due AS (
        SELECT d.id, d.plugin, d.attempts, d.next_at, d.event_seq FROM gateway_deliveries d
        WHERE d.plugin = p_plugin AND d.status = 'pending' AND d.next_at <= p_now
          AND d.id <> ALL(p_held) AND NOT EXISTS (SELECT 1 FROM gateway_leases l WHERE l.delivery_id = d.id)
        ORDER BY d.next_at, d.id LIMIT take
        FOR UPDATE SKIP LOCKED
      ), taken AS (
        INSERT INTO gateway_leases (delivery_id, plugin, owner, lease_until)
        SELECT due.id, p_plugin, p_owner, db_now + p_lease_ms FROM due
        RETURNING delivery_id, token
      )
      SELECT d.id, t.token, d.plugin, d.attempts, d.next_at, e.id, e.command, e.sdk_app_id, e.received_at, e.client_ip, e.opt_platform, e.body, e.decision
      FROM taken t JOIN due d ON d.id = t.delivery_id JOIN gateway_events e ON e.seq = d.event_seq
      ORDER BY d.next_at, d.id;
  END IF;
END $$;
