// Numbered schema migrations of the SQLite store; the schema_version table
// records each one applied (so numbers may land out of order), PRAGMA
// user_version the highest.

/** Migrations in order; never edit one that has shipped, add a new one. */
export const migrations: Array<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE nodes (
        id TEXT PRIMARY KEY, hostname TEXT UNIQUE, state TEXT NOT NULL,
        serial TEXT UNIQUE, uuid TEXT UNIQUE, last_ip TEXT,
        version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        doc TEXT NOT NULL);
      CREATE INDEX nodes_state ON nodes(state);
      CREATE INDEX nodes_last_ip ON nodes(last_ip);
      CREATE TABLE node_macs (mac TEXT PRIMARY KEY, node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE);
      CREATE INDEX node_macs_node ON node_macs(node_id);
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, node_id TEXT NOT NULL,
        at TEXT NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL);
      CREATE INDEX events_node ON events(node_id, id);
      CREATE TABLE rules (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, priority INTEGER NOT NULL,
        sequence INTEGER NOT NULL, created_at TEXT NOT NULL, doc TEXT NOT NULL);
      CREATE TABLE images (name TEXT PRIMARY KEY, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, doc TEXT NOT NULL);
    `,
  },
  {
    // The event stream filters by kind across all nodes.
    version: 2,
    sql: `CREATE INDEX events_kind ON events(kind, id);`,
  },
  {
    // Pending nodes (enrolled by a boot request, never reported) are counted before every enrollment.
    version: 3,
    sql: `CREATE INDEX nodes_pending ON nodes(state, json_extract(doc, '$.pending'));`,
  },
  {
    // Power controllers made through the API (config-file controllers are not
    // stored), and the listing order as an index, so the watchdog pages through
    // all nodes without sorting them for every page.
    version: 4,
    sql: `
      CREATE TABLE power_controllers (
        name TEXT PRIMARY KEY, driver TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX nodes_created ON nodes(created_at, id);
    `,
  },
  {
    // The bootherd instance (instance.name) that wrote each event; null for older events.
    version: 5,
    sql: 'ALTER TABLE events ADD COLUMN instance TEXT;',
  },
];
