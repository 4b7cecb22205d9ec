CREATE TABLE gateway_events (
  seq bigserial PRIMARY KEY,
  id text NOT NULL,
  command text NOT NULL,
  sdk_app_id text NOT NULL,
  received_at int8 NOT NULL,
  client_ip text,
  opt_platform text,
  body text NOT NULL,
  dedup_key text
);
CREATE INDEX gateway_events_received ON gateway_events (received_at);
CREATE TABLE gateway_dedup (
  key text PRIMARY KEY,
  received_at int8 NOT NULL
);
CREATE TABLE gateway_deliveries (
  id bigserial PRIMARY KEY,
  event_seq int8 NOT NULL REFERENCES gateway_events (seq) ON DELETE CASCADE,
  plugin text NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  attempts int NOT NULL DEFAULT 0,
  next_at int8 NOT NULL,
  first_error text,
  last_error text,
  updated_at int8 NOT NULL
);
CREATE INDEX gateway_deliveries_due ON gateway_deliveries (plugin, next_at, id) WHERE status = 'pending';
-- The head of an ordered queue, however much finished history the table keeps.
CREATE INDEX gateway_deliveries_head ON gateway_deliveries (plugin, id) WHERE status = 'pending';
CREATE INDEX gateway_deliveries_event ON gateway_deliveries (event_seq);
CREATE INDEX gateway_deliveries_dead ON gateway_deliveries (plugin, id) WHERE status = 'dead';
-- Claims live in their own small table: renewing and counting them never touches (or bloats)
-- the queue, whose rows change only when an attempt has an outcome.
-- Each claim gets its own token: outcomes, renewals and releases name the claim, not just the
-- instance, so an attempt whose lease ran out cannot touch a later claim of the same delivery.
CREATE SEQUENCE gateway_lease_tokens;
CREATE TABLE gateway_leases (
  delivery_id int8 PRIMARY KEY REFERENCES gateway_deliveries (id) ON DELETE CASCADE,
  token int8 NOT NULL DEFAULT nextval('gateway_lease_tokens'),
  plugin text NOT NULL,
  owner text NOT NULL,
  lease_until int8 NOT NULL
);
CREATE INDEX gateway_leases_plugin ON gateway_leases (plugin, lease_until);

-- Database time in ms: leases are compared on one clock, whatever the instances' clocks say.
CREATE FUNCTION gateway_now() RETURNS int8 LANGUAGE sql VOLATILE AS
  $$ SELECT (extract(epoch from clock_timestamp()) * 1000)::int8 $$;

-- One round trip per claim. Claimers of one queue take turns (a transaction-scoped advisory
-- lock), so "concurrency minus live leases" is exact across instances. Expired leases (their
-- owner died) are dropped first, which hands their deliveries to whoever claims; p_held are the
-- caller's own running attempts, never claimed twice by it, even once their lease ran out. Ordered queues
-- lease only their head, and only when it is due and nobody holds it.
CREATE FUNCTION gateway_claim(p_plugin text, p_owner text, p_now int8, p_limit int, p_concurrency int, p_ordered boolean, p_lease_ms int8, p_held int8[])
RETURNS TABLE (id int8, token int8, plugin text, attempts int, next_at int8, event_id text, command text, sdk_app_id text,
               received_at int8, client_ip text, opt_platform text, body text)
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
      SELECT h.id, t.token, h.plugin, h.attempts, h.next_at, e.id, e.command, e.sdk_app_id, e.received_at, e.client_ip, e.opt_platform, e.body
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
      SELECT d.id, t.token, d.plugin, d.attempts, d.next_at, e.id, e.command, e.sdk_app_id, e.received_at, e.client_ip, e.opt_platform, e.body
      FROM taken t JOIN due d ON d.id = t.delivery_id JOIN gateway_events e ON e.seq = d.event_seq
      ORDER BY d.next_at, d.id;
  END IF;
END $$;

-- Renews the named claims and returns the tokens still held (a missing one was lost).
CREATE FUNCTION gateway_renew(p_tokens int8[], p_lease_ms int8) RETURNS SETOF int8 LANGUAGE sql AS $$
  UPDATE gateway_leases SET lease_until = gateway_now() + p_lease_ms WHERE token = ANY(p_tokens) RETURNING token
$$;
CREATE INDEX gateway_leases_token ON gateway_leases (token);
