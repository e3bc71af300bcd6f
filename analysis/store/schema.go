package store

// Migration is one step of the schema's history. Migrations run in order
// of Version inside one transaction each; the database records the last
// applied version in PRAGMA user_version (and one row per step in
// schema_migrations, with the time it ran). A database is never rebuilt:
// opening one made by an older version applies the missing steps, and
// opening one made by a newer version is an error.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations is the schema's history. Append new steps; never edit a step
// that has shipped.
var Migrations = []Migration{
	{Version: 1, Name: "initial schema", SQL: schemaV1},
}

// schemaV1 is the data model. Times are UTC milliseconds since the Unix
// epoch. Identity and customer ids are small integers: a customer's id is
// the smallest identity id among its identifiers, so it is a pure function
// of the identity graph.
const schemaV1 = `
CREATE TABLE schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_ms INTEGER NOT NULL
);

-- meta holds counters such as data_version (bumped by every load and
-- erase so that cached copies of the data know when to rebuild).
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES ('data_version', 0);

-- sources: one row per file loaded, written in the file's transaction, so
-- a file whose load did not finish has no row. Invariant:
-- rows_read = rows_loaded + rows_rejected + rows_duplicate.
CREATE TABLE sources (
	id             INTEGER PRIMARY KEY,
	path           TEXT NOT NULL,
	name           TEXT NOT NULL,
	kind           TEXT NOT NULL,
	checksum       TEXT NOT NULL,
	size           INTEGER NOT NULL,
	rows_read      INTEGER NOT NULL DEFAULT 0,
	rows_loaded    INTEGER NOT NULL DEFAULT 0,
	rows_rejected  INTEGER NOT NULL DEFAULT 0,
	rows_duplicate INTEGER NOT NULL DEFAULT 0,
	started_ms     INTEGER NOT NULL,
	finished_ms    INTEGER NOT NULL DEFAULT 0,
	status         TEXT NOT NULL,
	notes          TEXT NOT NULL DEFAULT '',
	CHECK (rows_read = rows_loaded + rows_rejected + rows_duplicate)
);
CREATE INDEX sources_checksum ON sources(checksum);

-- rejects: rows that failed validation, with the raw text. dedup is a
-- 64-bit hash of the raw text so that re-reading the same bad row counts
-- it as a duplicate instead of listing it twice.
CREATE TABLE rejects (
	id        INTEGER PRIMARY KEY,
	source_id INTEGER NOT NULL,
	line      INTEGER NOT NULL,
	reason    TEXT NOT NULL,
	raw       TEXT NOT NULL,
	dedup     INTEGER NOT NULL UNIQUE
);
CREATE INDEX rejects_source ON rejects(source_id, line);

-- identities: one row per (type, normalised value). customer_id is the
-- customer the identifier belongs to; shared = 1 marks an identifier the
-- giant-merge guard keeps out of merging (it forms a customer of its own).
CREATE TABLE identities (
	id              INTEGER PRIMARY KEY,
	type            TEXT NOT NULL,
	value           TEXT NOT NULL,
	customer_id     INTEGER NOT NULL,
	first_source_id INTEGER NOT NULL,
	first_line      INTEGER NOT NULL,
	first_seen_ms   INTEGER NOT NULL,
	shared          INTEGER NOT NULL DEFAULT 0,
	UNIQUE (type, value)
);
CREATE INDEX identities_customer ON identities(customer_id);

-- links: evidence that two identifiers are the same customer (a < b),
-- with the first row that showed it.
CREATE TABLE links (
	a         INTEGER NOT NULL,
	b         INTEGER NOT NULL,
	source_id INTEGER NOT NULL,
	line      INTEGER NOT NULL,
	reason    TEXT NOT NULL,
	PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX links_b ON links(b);

-- customers: one row per connected group of identities.
CREATE TABLE customers (
	id          INTEGER PRIMARY KEY,
	identities  INTEGER NOT NULL,
	updated_ms  INTEGER NOT NULL
);

-- profile_rows: every profile or link row loaded (a CRM row, an identify
-- call, an alias), with its traits as a JSON object. Customer traits are
-- merged from these rows at read time (see Profile for the rule).
CREATE TABLE profile_rows (
	id          INTEGER PRIMARY KEY,
	identity_id INTEGER NOT NULL,
	ts          INTEGER NOT NULL,
	source_id   INTEGER NOT NULL,
	line        INTEGER NOT NULL,
	traits      TEXT NOT NULL,
	dedup       INTEGER NOT NULL UNIQUE
);
CREATE INDEX profile_rows_identity ON profile_rows(identity_id, ts);

-- consents: every consent statement per identity and channel, kept as a
-- history; the current consent of a customer on a channel is the most
-- recent statement over the customer's identities.
CREATE TABLE consents (
	identity_id INTEGER NOT NULL,
	channel     TEXT NOT NULL,
	ts          INTEGER NOT NULL,
	granted     INTEGER NOT NULL,
	source_id   INTEGER NOT NULL,
	line        INTEGER NOT NULL,
	PRIMARY KEY (identity_id, channel, ts)
) WITHOUT ROWID;

-- labels: dictionary of channel, event type and campaign names, so that
-- events carry small integers.
CREATE TABLE labels (
	id    INTEGER PRIMARY KEY,
	kind  INTEGER NOT NULL, -- 1 channel, 2 event type, 3 campaign
	label TEXT NOT NULL,
	UNIQUE (kind, label)
);

-- events: clustered by customer, time and load order (seq, from the
-- event_seq counter in meta), so that a journey scan reads the table
-- front to back and one customer's events are contiguous on disk. dedup
-- is the 64-bit de-duplication key.
CREATE TABLE events (
	customer_id INTEGER NOT NULL,
	ts          INTEGER NOT NULL,
	seq         INTEGER NOT NULL,
	identity_id INTEGER NOT NULL,
	channel_id  INTEGER NOT NULL,
	type_id     INTEGER NOT NULL,
	campaign_id INTEGER NOT NULL,
	revenue     REAL,
	props       TEXT,
	source_id   INTEGER NOT NULL,
	line        INTEGER NOT NULL,
	dedup       INTEGER NOT NULL,
	PRIMARY KEY (customer_id, ts, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX events_dedup ON events(dedup);
INSERT INTO meta(key, value) VALUES ('event_seq', 0);

-- decisions: the decision log of the current campaign engine.
CREATE TABLE decisions (
	id          INTEGER PRIMARY KEY,
	customer_id INTEGER NOT NULL,
	identity_id INTEGER NOT NULL,
	ts          INTEGER NOT NULL,
	decision_key TEXT NOT NULL,
	trigger     TEXT NOT NULL,
	context     TEXT NOT NULL,
	action      TEXT NOT NULL,
	propensity  REAL NOT NULL,
	reward      REAL NOT NULL,
	converted   INTEGER NOT NULL,
	revenue     REAL NOT NULL,
	cost        REAL NOT NULL,
	source_id   INTEGER NOT NULL,
	line        INTEGER NOT NULL,
	dedup       INTEGER NOT NULL UNIQUE
);
CREATE INDEX decisions_customer ON decisions(customer_id, ts);
`
