-- The operator's view (docs/design.md §10): every delivery attempt, and the payload values an
-- event can be found by.
-- No foreign key: a purged dead letter's attempts still count in the last hour's outcomes;
-- retention deletes attempts by their time.
CREATE TABLE gateway_attempts (
  delivery_id int8 NOT NULL,
  at int8 NOT NULL,
  ms real NOT NULL,
  outcome text NOT NULL,
  error text
);
CREATE INDEX gateway_attempts_delivery ON gateway_attempts (delivery_id);
-- Outcomes per minute over the last hour, and retention.
CREATE INDEX gateway_attempts_at ON gateway_attempts (at);
-- Each searchable value of an event's payload (src/store/search-terms.ts), exactly as it is.
CREATE TABLE gateway_event_terms (
  event_seq int8 NOT NULL REFERENCES gateway_events (seq) ON DELETE CASCADE,
  term text NOT NULL
);
CREATE INDEX gateway_event_terms_term ON gateway_event_terms (term, event_seq);
CREATE INDEX gateway_event_terms_event ON gateway_event_terms (event_seq);
-- No index on gateway_events (id): built in this transaction it would hold every instance's
-- inserts for as long as it takes on a large table. An id holds its receivedAt (UUIDv7), and
-- gateway_events_received finds it (src/store/postgres/event-log.ts).
-- Every table above is new, so its indexes are built on nothing.
