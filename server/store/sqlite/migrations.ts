/**
 * Append-only, numbered schema migrations for the SQLite store. Never edit a released entry:
 * add a new one. Times are epoch milliseconds; JSON lives in TEXT columns.
 */
export const SQLITE_MIGRATIONS: Array<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: "jobs, history, logs, workers",
    sql: `
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        state TEXT NOT NULL,
        tags TEXT NOT NULL,
        priority INTEGER NOT NULL,
        spec TEXT NOT NULL,
        inputs TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        backoff TEXT NOT NULL,
        timeout_s REAL,
        lease_s REAL NOT NULL,
        run_at INTEGER,
        parent_id TEXT,
        idempotency_key TEXT,
        request_hash TEXT,
        worker_id TEXT,
        lease_token TEXT,
        lease_expires_at INTEGER,
        deadline_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        result TEXT,
        error TEXT,
        tasks TEXT,
        reported TEXT,
        version INTEGER NOT NULL
      ) STRICT;
      -- The claim walks this index in order and stops after capacity rows: flat as the queue grows.
      CREATE INDEX jobs_claim ON jobs (priority DESC, id) WHERE state = 'pending';
      CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'scheduled';
      CREATE INDEX jobs_lease ON jobs (lease_expires_at) WHERE state IN ('running', 'cancelling');
      CREATE INDEX jobs_deadline ON jobs (deadline_at) WHERE state IN ('running', 'cancelling');
      CREATE INDEX jobs_worker ON jobs (worker_id) WHERE state IN ('running', 'cancelling');
      CREATE INDEX jobs_parent ON jobs (parent_id) WHERE parent_id IS NOT NULL;
      CREATE INDEX jobs_state ON jobs (state, id);
      CREATE UNIQUE INDEX jobs_idempotency ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;

      CREATE TABLE job_history (
        job_id TEXT NOT NULL,
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        event TEXT NOT NULL,
        reason TEXT,
        worker_id TEXT,
        attempt INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX job_history_job ON job_history (job_id, seq);

      CREATE TABLE job_logs (
        job_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        offset INTEGER NOT NULL,
        len INTEGER NOT NULL,
        data TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (job_id, attempt, offset)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE workers (
        id TEXT PRIMARY KEY,
        hostname TEXT NOT NULL,
        tags TEXT NOT NULL,
        capacity INTEGER NOT NULL,
        version TEXT,
        registered_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: "api keys",
    sql: `
      CREATE TABLE api_keys (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: "finished-per-minute index",
    sql: `
      -- The dashboard's throughput chart counts recent terminal transitions: this keeps it to the
      -- last hour's rows instead of the whole history.
      CREATE INDEX job_history_finished ON job_history (at)
        WHERE to_state IN ('succeeded', 'failed', 'timed_out', 'canceled');
    `,
  },
  {
    version: 4,
    name: "retention index",
    sql: `
      -- Retention removes finished and deleted jobs oldest first without scanning live ones.
      CREATE INDEX jobs_retention ON jobs (updated_at)
        WHERE state IN ('succeeded', 'failed', 'timed_out', 'canceled', 'deleted');
    `,
  },
  {
    version: 5,
    name: "fewer indexes to maintain per transition",
    sql: `
      -- Each index on jobs is a B-tree write on every claim and completion. Jobs without a timeout
      -- need no deadline entry; what a worker holds is found by scanning the leased set (small,
      -- and read only by reconcile and the workers list); retention walks jobs_state in id order,
      -- bounded by the cutoff's id, instead of an index of its own.
      DROP INDEX jobs_deadline;
      CREATE INDEX jobs_deadline ON jobs (deadline_at)
        WHERE state IN ('running', 'cancelling') AND deadline_at IS NOT NULL;
      DROP INDEX jobs_worker;
      DROP INDEX jobs_retention;
    `,
  },
  {
    version: 6,
    name: "claim ids",
    sql: `
      -- The worker's id for the claim that leased a job, so a claim sent again after its answer
      -- was lost gets the same jobs back instead of leaving them leased to nobody who knows.
      -- No index: only a repeated claim looks, and it scans the leased jobs (few, and rare).
      ALTER TABLE jobs ADD COLUMN claim_id TEXT;
    `,
  },
  {
    version: 7,
    name: "history without AUTOINCREMENT",
    sql: `
      -- AUTOINCREMENT reads and rewrites sqlite_sequence on every insert (two of them per job).
      -- A plain rowid is still larger than every row present when it is assigned, which is all
      -- ORDER BY seq needs to list a job's history in order.
      CREATE TABLE job_history_v7 (
        job_id TEXT NOT NULL,
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        event TEXT NOT NULL,
        reason TEXT,
        worker_id TEXT,
        attempt INTEGER NOT NULL
      ) STRICT;
      INSERT INTO job_history_v7 (job_id, seq, at, from_state, to_state, event, reason, worker_id, attempt)
        SELECT job_id, seq, at, from_state, to_state, event, reason, worker_id, attempt FROM job_history;
      DROP TABLE job_history;
      ALTER TABLE job_history_v7 RENAME TO job_history;
      DELETE FROM sqlite_sequence WHERE name = 'job_history';
      CREATE INDEX job_history_job ON job_history (job_id, seq);
      CREATE INDEX job_history_finished ON job_history (at)
        WHERE to_state IN ('succeeded', 'failed', 'timed_out', 'canceled');
    `,
  },
  {
    version: 8,
    name: "job search indexes",
    sql: `
      -- GET /jobs?sort=finished walks this instead of sorting every finished job; a worker's jobs
      -- (any state, newest first) this one.
      CREATE INDEX jobs_finished ON jobs (finished_at, id) WHERE finished_at IS NOT NULL;
      CREATE INDEX jobs_worker_all ON jobs (worker_id, id) WHERE worker_id IS NOT NULL;
    `,
  },
  {
    version: 9,
    name: "job log bytes",
    sql: `
      -- Log offsets count bytes, so the log is kept as bytes: a chunk resent from inside a UTF-8
      -- character stores the rest of that character, and a read cuts a range out with substr()
      -- on bytes. Old rows are carried over as the UTF-8 bytes of their text.
      CREATE TABLE job_logs_v8 (
        job_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        offset INTEGER NOT NULL,
        len INTEGER NOT NULL,
        data BLOB NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (job_id, attempt, offset)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO job_logs_v8 (job_id, attempt, offset, len, data, at)
        SELECT job_id, attempt, offset, len, CAST(data AS BLOB), at FROM job_logs;
      DROP TABLE job_logs;
      ALTER TABLE job_logs_v8 RENAME TO job_logs;
    `,
  },
  {
    version: 10,
    name: "fencing tokens",
    sql: `
      -- FLOWY_FENCE: a number that grows with every lease of a job, so a job can make its own
      -- writes conditional on it. The claim raises it in the statement that leases the job.
      ALTER TABLE jobs ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 11,
    name: "kill grace at claim",
    sql: `
      -- The kill grace (SIGTERM to SIGKILL) the lease holder announced at claim: the reaper waits
      -- past the execution deadline at least this long, so it never requeues a job whose worker is
      -- still stopping it.
      ALTER TABLE jobs ADD COLUMN kill_grace_ms INTEGER;
    `,
  },
  {
    version: 12,
    name: "worker drain",
    sql: `
      -- An operator's request that a worker drain (flowy-client workers drain): its daemon hears of
      -- it on its control request, stops claiming, finishes its jobs and exits. Registering clears it.
      ALTER TABLE workers ADD COLUMN drain_requested_at INTEGER;
    `,
  },
  {
    version: 13,
    name: "bundles",
    sql: `
      -- The highest version ever uploaded per name: the guard of the strict-bump rule, kept when
      -- versions are deleted so a version number never names two different archives.
      CREATE TABLE bundle_names (
        name TEXT PRIMARY KEY,
        latest_version TEXT NOT NULL
      ) STRICT;
      CREATE TABLE bundles (
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        blob_id TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        tags TEXT NOT NULL,
        setup TEXT,
        created_at INTEGER NOT NULL,
        uploaded_by TEXT,
        PRIMARY KEY (name, version)
      ) STRICT;
      -- A rowid table: chunks are large, and WITHOUT ROWID suits small rows.
      CREATE TABLE bundle_chunks (
        blob_id TEXT NOT NULL,
        offset INTEGER NOT NULL,
        len INTEGER NOT NULL,
        data BLOB NOT NULL,
        at INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX bundle_chunks_blob ON bundle_chunks (blob_id, offset);
      CREATE TABLE bundle_events (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        action TEXT NOT NULL,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        key_name TEXT,
        address TEXT,
        user_agent TEXT
      ) STRICT;
    `,
  },
  {
    version: 14,
    name: "paused tags",
    sql: `
      -- Tags whose jobs claims pass over (pause/resume). Few rows: the claim reads them once.
      CREATE TABLE paused_tags (
        tag TEXT PRIMARY KEY,
        paused_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 15,
    name: "concurrency keys and limits",
    sql: `
      -- A job's concurrency key and its own limit; the claim counts the key's leased jobs through
      -- jobs_key_leased (only keyed, leased jobs are in it: a handful per key).
      ALTER TABLE jobs ADD COLUMN concurrency_key TEXT;
      ALTER TABLE jobs ADD COLUMN concurrency_limit INTEGER;
      CREATE INDEX jobs_key_leased ON jobs (concurrency_key)
        WHERE state IN ('running', 'cancelling') AND concurrency_key IS NOT NULL;
      -- Declared limits: a glob pattern of keys (customer-*) and how many of a key's jobs run at once.
      CREATE TABLE concurrency_limits (
        pattern TEXT PRIMARY KEY,
        concurrency INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 16,
    name: "schedules and their ticks",
    sql: `
      -- A cron expression in a time zone and the job (a submit body, JSON) it enqueues per tick.
      -- version guards each tick's write (schedule-store.ts); next_tick_at is NULL while paused.
      CREATE TABLE schedules (
        name TEXT PRIMARY KEY,
        cron TEXT NOT NULL,
        tz TEXT NOT NULL,
        overlap TEXT NOT NULL,
        catch_up TEXT NOT NULL,
        catch_up_max INTEGER NOT NULL,
        job TEXT NOT NULL,
        paused INTEGER NOT NULL,
        last_tick_at INTEGER,
        next_tick_at INTEGER,
        last_job_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        version INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX schedules_due ON schedules (next_tick_at) WHERE paused = 0;
      -- One row per fired tick (the schedule's recent runs). A cron tick is unique per schedule
      -- and time: the key that makes a tick enqueue exactly one job, whoever fires it.
      CREATE TABLE schedule_ticks (
        seq INTEGER PRIMARY KEY,
        schedule_name TEXT NOT NULL,
        tick_at INTEGER NOT NULL,
        job_id TEXT,
        manual INTEGER NOT NULL,
        note TEXT
      ) STRICT;
      CREATE UNIQUE INDEX schedule_ticks_once ON schedule_ticks (schedule_name, tick_at) WHERE manual = 0;
      CREATE INDEX schedule_ticks_recent ON schedule_ticks (schedule_name, seq);
    `,
  },
  {
    version: 17,
    name: "jobs name a bundle",
    sql: `
      -- spec.bundle on the job: its name, and its pinned version (NULL: the latest stored version
      -- at claim time). The claim leases such a job only to a worker that lists the version as
      -- installed. No index: the claim tests these per candidate row, as it does tags.
      ALTER TABLE jobs ADD COLUMN bundle_name TEXT;
      ALTER TABLE jobs ADD COLUMN bundle_version TEXT;
      -- What a worker last said about its bundles (installed, failed with why): JSON, for people.
      ALTER TABLE workers ADD COLUMN bundles TEXT;
    `,
  },
  {
    version: 18,
    name: "pinned bundle versions",
    sql: `
      -- Unfinished jobs that pin a bundle version: daemons install those versions besides each
      -- name's latest. The predicate is spelled as the query's (state-sql.ts ENDED).
      CREATE INDEX jobs_bundle_pins ON jobs (bundle_name, bundle_version)
        WHERE bundle_version IS NOT NULL AND state NOT IN ('succeeded', 'failed', 'timed_out', 'canceled', 'deleted');
    `,
  },
  {
    version: 19,
    name: "rate limits per key",
    sql: `
      -- A declared limit may name a rate (rate_limit starts per rate_window_ms) and may leave the
      -- concurrency out (NULL: no cap). SQLite cannot drop NOT NULL in place: the table is rebuilt.
      CREATE TABLE concurrency_limits_18 (
        pattern TEXT PRIMARY KEY,
        concurrency INTEGER,
        rate_limit INTEGER,
        rate_window_ms INTEGER
      ) STRICT;
      INSERT INTO concurrency_limits_18 (pattern, concurrency) SELECT pattern, concurrency FROM concurrency_limits;
      DROP TABLE concurrency_limits;
      ALTER TABLE concurrency_limits_18 RENAME TO concurrency_limits;
      -- The sliding log of a rate-limited key: its claims' start times (a JSON array of epoch ms),
      -- pruned of those that left the window each time the claim appends to it.
      CREATE TABLE rate_starts (
        key TEXT PRIMARY KEY,
        starts TEXT NOT NULL
      ) STRICT;
      -- Pending jobs by key: which rate-limited keys have jobs waiting (the claim waiters' wake-up).
      CREATE INDEX jobs_key_pending ON jobs (concurrency_key)
        WHERE state = 'pending' AND concurrency_key IS NOT NULL;
    `,
  },
  {
    version: 20,
    name: "search by concurrency key",
    sql: `
      -- GET /jobs?concurrency_key=K, newest first, without walking every job: only keyed jobs
      -- carry an entry.
      CREATE INDEX jobs_by_key ON jobs (concurrency_key, id) WHERE concurrency_key IS NOT NULL;
    `,
  },
];
