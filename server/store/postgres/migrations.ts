/**
 * Append-only, numbered schema migrations for the PostgreSQL store. Never edit a released entry:
 * add a new one. Each runs in the one transaction that migrate.ts holds under an advisory lock,
 * so a statement that cannot run inside a transaction (CREATE INDEX CONCURRENTLY) does not belong
 * here. Times are epoch milliseconds (bigint); JSON lives in jsonb.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const PG_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "jobs, history, logs, workers",
    sql: `
      CREATE TABLE jobs (
        id text PRIMARY KEY,
        name text NOT NULL,
        state text NOT NULL,
        tags jsonb NOT NULL,
        priority integer NOT NULL,
        spec jsonb NOT NULL,
        inputs jsonb NOT NULL,
        attempt integer NOT NULL,
        max_attempts integer NOT NULL,
        backoff jsonb NOT NULL,
        timeout_s double precision,
        lease_s double precision NOT NULL,
        run_at bigint,
        parent_id text,
        idempotency_key text,
        request_hash text,
        worker_id text,
        lease_token text,
        lease_expires_at bigint,
        deadline_at bigint,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        started_at bigint,
        finished_at bigint,
        result jsonb,
        error jsonb,
        tasks jsonb,
        reported text,
        version integer NOT NULL
      );
      -- The claim walks this index in order and stops after capacity rows: flat as the queue grows.
      -- Partial, so finished jobs (most of the table) are not in it at all.
      CREATE INDEX jobs_claim ON jobs (priority DESC, id) WHERE state = 'pending';
      CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'scheduled';
      CREATE INDEX jobs_lease ON jobs (lease_expires_at) WHERE state IN ('running', 'cancelling');
      CREATE INDEX jobs_deadline ON jobs (deadline_at) WHERE state IN ('running', 'cancelling');
      CREATE INDEX jobs_worker ON jobs (worker_id) WHERE state IN ('running', 'cancelling');
      CREATE INDEX jobs_parent ON jobs (parent_id) WHERE parent_id IS NOT NULL;
      CREATE INDEX jobs_state ON jobs (state, id);
      CREATE INDEX jobs_name ON jobs (name, id);
      CREATE INDEX jobs_tags ON jobs USING gin (tags jsonb_path_ops);
      CREATE UNIQUE INDEX jobs_idempotency ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;

      CREATE TABLE job_history (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        job_id text NOT NULL,
        at bigint NOT NULL,
        from_state text,
        to_state text NOT NULL,
        event text NOT NULL,
        reason text,
        worker_id text,
        attempt integer NOT NULL
      );
      CREATE INDEX job_history_job ON job_history (job_id, seq);

      CREATE TABLE job_logs (
        job_id text NOT NULL,
        attempt integer NOT NULL,
        byte_offset bigint NOT NULL,
        len integer NOT NULL,
        data text NOT NULL,
        at bigint NOT NULL,
        PRIMARY KEY (job_id, attempt, byte_offset)
      );

      CREATE TABLE workers (
        id text PRIMARY KEY,
        hostname text NOT NULL,
        tags jsonb NOT NULL,
        capacity integer NOT NULL,
        version text,
        registered_at bigint NOT NULL,
        last_seen_at bigint NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "api keys",
    sql: `
      CREATE TABLE api_keys (
        name text PRIMARY KEY,
        role text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        created_at bigint NOT NULL,
        last_used_at bigint,
        revoked_at bigint
      );
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
    name: "claim ids",
    sql: `
      -- The worker's id for the claim that leased a job, so a claim sent again after its answer
      -- was lost gets the same jobs back instead of leaving them leased to nobody who knows.
      -- No index: only a repeated claim looks, and it scans the leased jobs (few, and rare).
      ALTER TABLE jobs ADD COLUMN claim_id text;
    `,
  },
];
