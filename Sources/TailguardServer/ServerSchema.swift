/// The server's schema, one list of steps written for both databases. The SQLite text of a
/// released step never changes (databases in the field are at its version); a change is a new
/// step. PostgreSQL text columns that are keys or cursors are `COLLATE "C"`, so ordering (and
/// with it paging) is bytewise, as on SQLite.
enum ServerSchema {
  static let migrations: [SQLMigration] = [v1, v2, v3, v4, v5, v6]

  /// A failed job waits before its retry (backoff), so a registry that is down is not hammered.
  static let v3 = SQLMigration(
    id: "v3-job-backoff",
    sqlite: "ALTER TABLE job ADD COLUMN not_before REAL;",
    postgres: "ALTER TABLE job ADD COLUMN not_before DOUBLE PRECISION;")

  /// The open-finding count of an image (`image`, `images`: a correlated COUNT per row) finds its
  /// rows by (digest, state). Without this index SQLite's planner took `finding_sla (state, …)`
  /// and counted through every open finding of the fleet for each image: O(fleet) per image row,
  /// seconds per `GET /api/v1/images` at 10,000 images (bench/server-load.sh).
  static let v4 = SQLMigration(
    id: "v4-finding-digest-state",
    sqlite: "CREATE INDEX finding_digest_state ON finding (digest, state);",
    postgres: "CREATE INDEX finding_digest_state ON finding (digest, state);")

  /// Findings across the fleet are listed by state in (digest, vulnerability_id) order, a page at a
  /// time: with this index a page is a range scan. Without it the planner filtered every open
  /// finding through `finding_sla (state, …)` and sorted them, 1.2 s per page at 10,000 images.
  static let v5 = SQLMigration(
    id: "v5-finding-keyset",
    sqlite: "CREATE INDEX finding_state_key ON finding (state, digest, vulnerability_id);",
    postgres: "CREATE INDEX finding_state_key ON finding (state, digest, vulnerability_id);")

  /// Admission decisions (`POST /admission/validate`), listed at `GET /api/v1/admissions`.
  /// Lists of images, digests and rules are JSON arrays in text.
  static let v6 = SQLMigration(
    id: "v6-admission",
    sqlite: """
      CREATE TABLE admission_decision (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uid TEXT NOT NULL,
        at TEXT NOT NULL,
        operation TEXT NOT NULL,
        kind TEXT NOT NULL,
        namespace TEXT,
        name TEXT,
        images TEXT NOT NULL,
        digests TEXT NOT NULL,
        decision TEXT NOT NULL,
        mode TEXT NOT NULL,
        rules TEXT NOT NULL,
        message TEXT,
        latency_ms REAL NOT NULL,
        dry_run INTEGER NOT NULL,
        cache TEXT NOT NULL
      );
      CREATE INDEX admission_decision_at ON admission_decision (at);
      """,
    postgres: """
      CREATE TABLE admission_decision (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        uid TEXT NOT NULL,
        at TEXT COLLATE "C" NOT NULL,
        operation TEXT NOT NULL,
        kind TEXT NOT NULL,
        namespace TEXT COLLATE "C",
        name TEXT,
        images TEXT NOT NULL,
        digests TEXT NOT NULL,
        decision TEXT NOT NULL,
        mode TEXT NOT NULL,
        rules TEXT NOT NULL,
        message TEXT,
        latency_ms DOUBLE PRECISION NOT NULL,
        dry_run BIGINT NOT NULL,
        cache TEXT NOT NULL
      );
      CREATE INDEX admission_decision_at ON admission_decision (at);
      """)

  static let v1 = SQLMigration(
    id: "v1-server",
    sqlite: """
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE image (
        digest TEXT PRIMARY KEY,
        reference TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        indexed_at TEXT,
        package_count INTEGER NOT NULL DEFAULT 0,
        sbom BLOB,
        sbom_size INTEGER,
        error TEXT
      );
      CREATE TABLE image_reference (
        reference TEXT PRIMARY KEY,
        digest TEXT NOT NULL REFERENCES image(digest) ON DELETE CASCADE,
        seen_at TEXT NOT NULL
      );
      CREATE INDEX image_reference_digest ON image_reference (digest);
      CREATE TABLE package_key (
        ecosystem TEXT NOT NULL,
        name TEXT NOT NULL,
        digest TEXT NOT NULL REFERENCES image(digest) ON DELETE CASCADE,
        PRIMARY KEY (ecosystem, name, digest)
      ) WITHOUT ROWID;
      CREATE INDEX package_key_digest ON package_key (digest);
      CREATE TABLE advisory_fingerprint (
        ecosystem TEXT NOT NULL,
        name TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        PRIMARY KEY (ecosystem, name)
      ) WITHOUT ROWID;
      CREATE TABLE finding (
        digest TEXT NOT NULL REFERENCES image(digest) ON DELETE CASCADE,
        vulnerability_id TEXT NOT NULL,
        state TEXT NOT NULL,
        severity TEXT NOT NULL,
        severity_rank INTEGER NOT NULL,
        kev INTEGER NOT NULL,
        fixable INTEGER NOT NULL,
        fixed_version TEXT,
        packages TEXT NOT NULL,
        summary TEXT,
        risk REAL NOT NULL,
        first_seen TEXT NOT NULL,
        fixed_at TEXT,
        PRIMARY KEY (digest, vulnerability_id)
      );
      CREATE INDEX finding_state ON finding (state, severity_rank);
      CREATE TABLE finding_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        digest TEXT NOT NULL,
        vulnerability_id TEXT NOT NULL,
        event TEXT NOT NULL,
        at TEXT NOT NULL,
        cause TEXT NOT NULL
      );
      CREATE INDEX finding_history_digest ON finding_history (digest, id);
      CREATE TRIGGER finding_history_no_update BEFORE UPDATE ON finding_history
        BEGIN SELECT RAISE(ABORT, 'finding history is immutable'); END;
      CREATE TRIGGER finding_history_no_delete BEFORE DELETE ON finding_history
        BEGIN SELECT RAISE(ABORT, 'finding history is immutable'); END;
      CREATE TABLE job (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        digest TEXT NOT NULL,
        reference TEXT NOT NULL,
        priority INTEGER NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_until REAL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX job_one_per_digest ON job (digest) WHERE state IN ('queued', 'running');
      CREATE INDEX job_claim ON job (state, priority DESC, id);
      CREATE TABLE api_token (
        hash TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) WITHOUT ROWID;
      """,
    postgres: """
      CREATE TABLE meta (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE image (
        digest TEXT COLLATE "C" PRIMARY KEY,
        reference TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        indexed_at TEXT,
        package_count BIGINT NOT NULL DEFAULT 0,
        sbom BYTEA,
        sbom_size BIGINT,
        error TEXT
      );
      CREATE TABLE image_reference (
        reference TEXT COLLATE "C" PRIMARY KEY,
        digest TEXT COLLATE "C" NOT NULL REFERENCES image(digest) ON DELETE CASCADE,
        seen_at TEXT NOT NULL
      );
      CREATE INDEX image_reference_digest ON image_reference (digest);
      CREATE TABLE package_key (
        ecosystem TEXT COLLATE "C" NOT NULL,
        name TEXT COLLATE "C" NOT NULL,
        digest TEXT COLLATE "C" NOT NULL REFERENCES image(digest) ON DELETE CASCADE,
        PRIMARY KEY (ecosystem, name, digest)
      );
      CREATE INDEX package_key_digest ON package_key (digest);
      CREATE TABLE advisory_fingerprint (
        ecosystem TEXT COLLATE "C" NOT NULL,
        name TEXT COLLATE "C" NOT NULL,
        fingerprint TEXT NOT NULL,
        PRIMARY KEY (ecosystem, name)
      );
      CREATE TABLE finding (
        digest TEXT COLLATE "C" NOT NULL REFERENCES image(digest) ON DELETE CASCADE,
        vulnerability_id TEXT COLLATE "C" NOT NULL,
        state TEXT NOT NULL,
        severity TEXT NOT NULL,
        severity_rank BIGINT NOT NULL,
        kev BIGINT NOT NULL,
        fixable BIGINT NOT NULL,
        fixed_version TEXT,
        packages TEXT NOT NULL,
        summary TEXT,
        risk DOUBLE PRECISION NOT NULL,
        first_seen TEXT NOT NULL,
        fixed_at TEXT,
        PRIMARY KEY (digest, vulnerability_id)
      );
      CREATE INDEX finding_state ON finding (state, severity_rank);
      CREATE TABLE finding_history (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        digest TEXT COLLATE "C" NOT NULL,
        vulnerability_id TEXT COLLATE "C" NOT NULL,
        event TEXT NOT NULL,
        at TEXT NOT NULL,
        cause TEXT NOT NULL
      );
      CREATE INDEX finding_history_digest ON finding_history (digest, id);
      CREATE FUNCTION tailguard_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'finding history is immutable'; END $$;
      CREATE TRIGGER finding_history_immutable BEFORE UPDATE OR DELETE ON finding_history
        FOR EACH ROW EXECUTE FUNCTION tailguard_immutable();
      CREATE TABLE job (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind TEXT NOT NULL,
        digest TEXT COLLATE "C" NOT NULL,
        reference TEXT NOT NULL,
        priority BIGINT NOT NULL,
        state TEXT NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        lease_until DOUBLE PRECISION,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX job_one_per_digest ON job (digest) WHERE state IN ('queued', 'running');
      CREATE INDEX job_claim ON job (state, priority DESC, id);
      CREATE TABLE api_token (
        hash TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      """)

  /// Watching the fleet: where images run (usage, segment, team), SLA clocks, suppressions,
  /// webhooks and their outbox.
  static let v2 = SQLMigration(
    id: "v2-watch",
    sqlite: """
      ALTER TABLE image ADD COLUMN segment TEXT;
      ALTER TABLE image ADD COLUMN source TEXT NOT NULL DEFAULT 'registry';
      ALTER TABLE finding ADD COLUMN kev_date TEXT;
      ALTER TABLE finding ADD COLUMN sla_start REAL;
      ALTER TABLE finding ADD COLUMN sla_due REAL;
      ALTER TABLE finding ADD COLUMN sla_notified TEXT NOT NULL DEFAULT 'ok';
      ALTER TABLE finding ADD COLUMN suppression_id INTEGER;
      CREATE INDEX finding_sla ON finding (state, sla_due);
      CREATE TABLE image_usage (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        digest TEXT NOT NULL REFERENCES image(digest) ON DELETE CASCADE,
        reference TEXT NOT NULL,
        source TEXT NOT NULL,
        namespace TEXT,
        workload TEXT NOT NULL,
        kind TEXT NOT NULL,
        replicas INTEGER NOT NULL,
        exposure TEXT NOT NULL,
        team TEXT,
        seen_at TEXT NOT NULL
      );
      CREATE INDEX image_usage_digest ON image_usage (digest);
      CREATE INDEX image_usage_team ON image_usage (team, digest);
      CREATE TABLE suppression (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        vulnerability_id TEXT NOT NULL,
        digest TEXT,
        reason TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX suppression_vulnerability ON suppression (vulnerability_id);
      CREATE TABLE webhook (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        events TEXT NOT NULL,
        origin TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL,
        webhook_id INTEGER NOT NULL REFERENCES webhook(id) ON DELETE CASCADE,
        event TEXT NOT NULL,
        body BLOB NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt REAL NOT NULL,
        lease_until REAL,
        last_error TEXT,
        last_status INTEGER,
        created_at TEXT NOT NULL,
        created_epoch REAL NOT NULL,
        done_at TEXT
      );
      CREATE UNIQUE INDEX outbox_event ON outbox (event_id, webhook_id);
      CREATE INDEX outbox_due ON outbox (state, next_attempt);
      """,
    postgres: """
      ALTER TABLE image ADD COLUMN segment TEXT;
      ALTER TABLE image ADD COLUMN source TEXT NOT NULL DEFAULT 'registry';
      ALTER TABLE finding ADD COLUMN kev_date TEXT;
      ALTER TABLE finding ADD COLUMN sla_start DOUBLE PRECISION;
      ALTER TABLE finding ADD COLUMN sla_due DOUBLE PRECISION;
      ALTER TABLE finding ADD COLUMN sla_notified TEXT NOT NULL DEFAULT 'ok';
      ALTER TABLE finding ADD COLUMN suppression_id BIGINT;
      CREATE INDEX finding_sla ON finding (state, sla_due);
      CREATE TABLE image_usage (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        digest TEXT COLLATE "C" NOT NULL REFERENCES image(digest) ON DELETE CASCADE,
        reference TEXT NOT NULL,
        source TEXT NOT NULL,
        namespace TEXT,
        workload TEXT NOT NULL,
        kind TEXT NOT NULL,
        replicas BIGINT NOT NULL,
        exposure TEXT NOT NULL,
        team TEXT COLLATE "C",
        seen_at TEXT NOT NULL
      );
      CREATE INDEX image_usage_digest ON image_usage (digest);
      CREATE INDEX image_usage_team ON image_usage (team, digest);
      CREATE TABLE suppression (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        vulnerability_id TEXT COLLATE "C" NOT NULL,
        digest TEXT COLLATE "C",
        reason TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX suppression_vulnerability ON suppression (vulnerability_id);
      CREATE TABLE webhook (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        events TEXT NOT NULL,
        origin TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE outbox (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id TEXT NOT NULL,
        webhook_id BIGINT NOT NULL REFERENCES webhook(id) ON DELETE CASCADE,
        event TEXT NOT NULL,
        body BYTEA NOT NULL,
        state TEXT NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        next_attempt DOUBLE PRECISION NOT NULL,
        lease_until DOUBLE PRECISION,
        last_error TEXT,
        last_status BIGINT,
        created_at TEXT NOT NULL,
        created_epoch DOUBLE PRECISION NOT NULL,
        done_at TEXT
      );
      CREATE UNIQUE INDEX outbox_event ON outbox (event_id, webhook_id);
      CREATE INDEX outbox_due ON outbox (state, next_attempt);
      """)
}
