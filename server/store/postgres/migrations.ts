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
  {
    version: 6,
    name: "claim in one round trip",
    sql: `
      -- A claim was three round trips: BEGIN with the planner settings (SET LOCAL), the claim,
      -- COMMIT. A function carries its settings itself (they apply while it runs, planning
      -- included), so the claim is one statement in its own transaction; PL/pgSQL keeps its plan
      -- for the session. The body is CLAIM_BODY in job-statements.ts (a test keeps them equal):
      -- change both, in a new migration, together.
      CREATE FUNCTION flowy_claim(text, jsonb, integer, bigint, text, boolean) RETURNS SETOF jobs
      LANGUAGE plpgsql
      SET enable_sort = off SET enable_bitmapscan = off SET jit = off
      AS $claim$
      BEGIN
        RETURN QUERY
          WITH earlier AS (
            UPDATE jobs SET lease_expires_at = $4 + trunc(lease_s * 1000)::bigint, updated_at = $4,
              version = version + 1
            WHERE $6::boolean AND claim_id = $5::text AND worker_id = $1 AND state IN ('running', 'cancelling')
            RETURNING *
          ), picked AS MATERIALIZED (
            SELECT id FROM jobs
            WHERE state = 'pending' AND tags <@ $2::jsonb AND NOT EXISTS (SELECT 1 FROM earlier)
            ORDER BY priority DESC, id
            LIMIT $3
            FOR UPDATE SKIP LOCKED
          ), claimed AS (
            UPDATE jobs SET
              state = 'running', attempt = attempt + 1, worker_id = $1, claim_id = $5::text,
              lease_token = replace(gen_random_uuid()::text, '-', ''),
              lease_expires_at = $4 + trunc(lease_s * 1000)::bigint,
              deadline_at = CASE WHEN timeout_s IS NULL THEN NULL ELSE $4 + trunc(timeout_s * 1000)::bigint END,
              started_at = $4, updated_at = $4, finished_at = NULL, result = NULL, error = NULL,
              tasks = NULL, reported = NULL, version = version + 1
            WHERE id IN (SELECT id FROM picked)
            RETURNING *
          ), history AS (
            INSERT INTO job_history (job_id, at, from_state, to_state, event, reason, worker_id, attempt)
            SELECT id, ($4)::bigint, ('pending')::text, ('running')::text, ('claim')::text,
              (NULL)::text, ($1)::text, attempt FROM claimed
          )
          SELECT * FROM claimed UNION ALL SELECT * FROM earlier ORDER BY priority DESC, id;
      END
      $claim$;
    `,
  },
  {
    version: 7,
    name: "job search indexes",
    sql: `
      -- GET /jobs?sort=finished walks this instead of sorting every finished job; a worker's jobs
      -- (any state, newest first) this one.
      CREATE INDEX jobs_finished ON jobs (finished_at, id) WHERE finished_at IS NOT NULL;
      CREATE INDEX jobs_worker_all ON jobs (worker_id, id) WHERE worker_id IS NOT NULL;
    `,
  },
  {
    version: 8,
    name: "job log bytes",
    sql: `
      -- Log offsets count bytes, so the log is kept as bytes: a chunk resent from inside a UTF-8
      -- character stores the rest of that character, and a read cuts a range out with
      -- substring() on bytes. Old rows are carried over as the UTF-8 bytes of their text.
      ALTER TABLE job_logs ALTER COLUMN data TYPE bytea USING convert_to(data, 'UTF8');
    `,
  },
  {
    version: 9,
    name: "fencing tokens",
    sql: `
      -- FLOWY_FENCE: a number that grows with every lease of a job, cluster-wide, so a job can
      -- make its own writes conditional on it. The claim raises it in the same statement that
      -- leases the job (row lock held), so two leases of one job never share a fence.
      ALTER TABLE jobs ADD COLUMN fence bigint NOT NULL DEFAULT 0;
      CREATE OR REPLACE FUNCTION flowy_claim(text, jsonb, integer, bigint, text, boolean) RETURNS SETOF jobs
      LANGUAGE plpgsql
      SET enable_sort = off SET enable_bitmapscan = off SET jit = off
      AS $claim$
      BEGIN
        RETURN QUERY
          WITH earlier AS (
            UPDATE jobs SET lease_expires_at = $4 + trunc(lease_s * 1000)::bigint, updated_at = $4,
              version = version + 1
            WHERE $6::boolean AND claim_id = $5::text AND worker_id = $1 AND state IN ('running', 'cancelling')
            RETURNING *
          ), picked AS MATERIALIZED (
            SELECT id FROM jobs
            WHERE state = 'pending' AND tags <@ $2::jsonb AND NOT EXISTS (SELECT 1 FROM earlier)
            ORDER BY priority DESC, id
            LIMIT $3
            FOR UPDATE SKIP LOCKED
          ), claimed AS (
            UPDATE jobs SET
              state = 'running', attempt = attempt + 1, worker_id = $1, claim_id = $5::text,
              lease_token = replace(gen_random_uuid()::text, '-', ''), fence = fence + 1,
              lease_expires_at = $4 + trunc(lease_s * 1000)::bigint,
              deadline_at = CASE WHEN timeout_s IS NULL THEN NULL ELSE $4 + trunc(timeout_s * 1000)::bigint END,
              started_at = $4, updated_at = $4, finished_at = NULL, result = NULL, error = NULL,
              tasks = NULL, reported = NULL, version = version + 1
            WHERE id IN (SELECT id FROM picked)
            RETURNING *
          ), history AS (
            INSERT INTO job_history (job_id, at, from_state, to_state, event, reason, worker_id, attempt)
            SELECT id, ($4)::bigint, ('pending')::text, ('running')::text, ('claim')::text,
              (NULL)::text, ($1)::text, attempt FROM claimed
          )
          SELECT * FROM claimed UNION ALL SELECT * FROM earlier ORDER BY priority DESC, id;
      END
      $claim$;
    `,
  },
  {
    version: 10,
    name: "kill grace at claim",
    sql: `
      -- The kill grace (SIGTERM to SIGKILL) the lease holder announced at claim: the reaper waits
      -- past the execution deadline at least this long, so it never requeues a job whose worker is
      -- still stopping it. flowy_claim takes it as a seventh parameter.
      ALTER TABLE jobs ADD COLUMN kill_grace_ms bigint;
      DROP FUNCTION flowy_claim(text, jsonb, integer, bigint, text, boolean);
      CREATE FUNCTION flowy_claim(text, jsonb, integer, bigint, text, boolean, bigint) RETURNS SETOF jobs
      LANGUAGE plpgsql
      SET enable_sort = off SET enable_bitmapscan = off SET jit = off
      AS $claim$
      BEGIN
        RETURN QUERY
          WITH earlier AS (
            UPDATE jobs SET lease_expires_at = $4 + trunc(lease_s * 1000)::bigint, updated_at = $4,
              version = version + 1
            WHERE $6::boolean AND claim_id = $5::text AND worker_id = $1 AND state IN ('running', 'cancelling')
            RETURNING *
          ), picked AS MATERIALIZED (
            SELECT id FROM jobs
            WHERE state = 'pending' AND tags <@ $2::jsonb AND NOT EXISTS (SELECT 1 FROM earlier)
            ORDER BY priority DESC, id
            LIMIT $3
            FOR UPDATE SKIP LOCKED
          ), claimed AS (
            UPDATE jobs SET
              state = 'running', attempt = attempt + 1, worker_id = $1, claim_id = $5::text,
              lease_token = replace(gen_random_uuid()::text, '-', ''), fence = fence + 1, kill_grace_ms = $7::bigint,
              lease_expires_at = $4 + trunc(lease_s * 1000)::bigint,
              deadline_at = CASE WHEN timeout_s IS NULL THEN NULL ELSE $4 + trunc(timeout_s * 1000)::bigint END,
              started_at = $4, updated_at = $4, finished_at = NULL, result = NULL, error = NULL,
              tasks = NULL, reported = NULL, version = version + 1
            WHERE id IN (SELECT id FROM picked)
            RETURNING *
          ), history AS (
            INSERT INTO job_history (job_id, at, from_state, to_state, event, reason, worker_id, attempt)
            SELECT id, ($4)::bigint, ('pending')::text, ('running')::text, ('claim')::text,
              (NULL)::text, ($1)::text, attempt FROM claimed
          )
          SELECT * FROM claimed UNION ALL SELECT * FROM earlier ORDER BY priority DESC, id;
      END
      $claim$;
    `,
  },
  {
    version: 11,
    name: "worker drain",
    sql: `
      -- An operator's request that a worker drain (flowy-client workers drain): its daemon hears of
      -- it on its control request, stops claiming, finishes its jobs and exits. Registering clears it.
      ALTER TABLE workers ADD COLUMN drain_requested_at bigint;
    `,
  },
  {
    version: 12,
    name: "bundles",
    sql: `
      -- The highest version ever uploaded per name: the guard of the strict-bump rule, kept when
      -- versions are deleted so a version number never names two different archives.
      CREATE TABLE bundle_names (
        name text PRIMARY KEY,
        latest_version text NOT NULL
      );
      CREATE TABLE bundles (
        name text NOT NULL,
        version text NOT NULL,
        blob_id text NOT NULL UNIQUE,
        sha256 text NOT NULL,
        size bigint NOT NULL,
        tags jsonb NOT NULL,
        setup text,
        created_at bigint NOT NULL,
        uploaded_by text,
        PRIMARY KEY (name, version)
      );
      CREATE TABLE bundle_chunks (
        blob_id text NOT NULL,
        byte_offset bigint NOT NULL,
        len integer NOT NULL,
        data bytea NOT NULL,
        at bigint NOT NULL,
        PRIMARY KEY (blob_id, byte_offset)
      );
      -- Archives are gzip already: stored out of line without trying to compress them again.
      ALTER TABLE bundle_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
      CREATE TABLE bundle_events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at bigint NOT NULL,
        action text NOT NULL,
        name text NOT NULL,
        version text NOT NULL,
        key_name text,
        address text,
        user_agent text
      );
    `,
  },
  {
    version: 13,
    name: "paused tags",
    sql: `
      -- Tags whose jobs claims pass over (pause/resume). Few rows: the claim reads them once.
      CREATE TABLE paused_tags (
        tag text PRIMARY KEY,
        paused_at bigint NOT NULL
      );
      -- flowy_claim as in migration 6, and it passes over jobs carrying a paused tag (?|: any of
      -- the paused tags is an element of the job's tags). Body = CLAIM_BODY in job-statements.ts.
      CREATE OR REPLACE FUNCTION flowy_claim(text, jsonb, integer, bigint, text, boolean) RETURNS SETOF jobs
      LANGUAGE plpgsql
      SET enable_sort = off SET enable_bitmapscan = off SET jit = off
      AS $claim$
      BEGIN
        RETURN QUERY
          WITH earlier AS (
            UPDATE jobs SET lease_expires_at = $4 + trunc(lease_s * 1000)::bigint, updated_at = $4,
              version = version + 1
            WHERE $6::boolean AND claim_id = $5::text AND worker_id = $1 AND state IN ('running', 'cancelling')
            RETURNING *
          ), picked AS MATERIALIZED (
            SELECT id FROM jobs
            WHERE state = 'pending' AND tags <@ $2::jsonb AND NOT EXISTS (SELECT 1 FROM earlier)
              AND NOT tags ?| (SELECT coalesce(array_agg(tag), '{}') FROM paused_tags)
            ORDER BY priority DESC, id
            LIMIT $3
            FOR UPDATE SKIP LOCKED
          ), claimed AS (
            UPDATE jobs SET
              state = 'running', attempt = attempt + 1, worker_id = $1, claim_id = $5::text,
              lease_token = replace(gen_random_uuid()::text, '-', ''),
              lease_expires_at = $4 + trunc(lease_s * 1000)::bigint,
              deadline_at = CASE WHEN timeout_s IS NULL THEN NULL ELSE $4 + trunc(timeout_s * 1000)::bigint END,
              started_at = $4, updated_at = $4, finished_at = NULL, result = NULL, error = NULL,
              tasks = NULL, reported = NULL, version = version + 1
            WHERE id IN (SELECT id FROM picked)
            RETURNING *
          ), history AS (
            INSERT INTO job_history (job_id, at, from_state, to_state, event, reason, worker_id, attempt)
            SELECT id, ($4)::bigint, ('pending')::text, ('running')::text, ('claim')::text,
              (NULL)::text, ($1)::text, attempt FROM claimed
          )
          SELECT * FROM claimed UNION ALL SELECT * FROM earlier ORDER BY priority DESC, id;
      END
      $claim$;
    `,
  },
  {
    version: 14,
    name: "concurrency keys and limits",
    sql: `
      ALTER TABLE jobs ADD COLUMN concurrency_key text, ADD COLUMN concurrency_limit integer;
      -- Declared limits: a glob pattern of keys (customer-*) and how many of a key's jobs run at once.
      CREATE TABLE concurrency_limits (
        pattern text PRIMARY KEY,
        concurrency integer NOT NULL
      );
      -- How many of each key's jobs are leased. Raised by the claim that leases them and lowered by
      -- the transition that ends their lease, each in its own statement's transaction; its row lock
      -- is what makes claims on different replicas take a key's slots one after the other.
      CREATE TABLE concurrency_slots (
        key text PRIMARY KEY,
        running integer NOT NULL DEFAULT 0
      );
      -- flowy_claim as in migration 7, and it leaves a job pending while its key has no free slot.
      -- Body = CLAIM_BODY in job-statements.ts (a test keeps them equal).
      CREATE OR REPLACE FUNCTION flowy_claim(text, jsonb, integer, bigint, text, boolean) RETURNS SETOF jobs
      LANGUAGE plpgsql
      SET enable_sort = off SET enable_bitmapscan = off SET jit = off
      AS $claim$
      BEGIN
        RETURN QUERY
        WITH earlier AS (
          UPDATE jobs SET lease_expires_at = $4 + trunc(lease_s * 1000)::bigint, updated_at = $4,
            version = version + 1
          WHERE $6::boolean AND claim_id = $5::text AND worker_id = $1 AND state IN ('running', 'cancelling')
          RETURNING *
        ), picked AS MATERIALIZED (
          SELECT id, priority, concurrency_key AS ck,
            CASE WHEN concurrency_key IS NULL THEN NULL ELSE coalesce(jobs.concurrency_limit,
            (SELECT l.concurrency FROM concurrency_limits l
             WHERE jobs.concurrency_key LIKE replace(replace(l.pattern, '_', '\\_'), '*', '%')
             ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1), 1) END AS lim,
            CASE WHEN concurrency_key IS NULL THEN NULL ELSE coalesce((SELECT s.running FROM concurrency_slots s WHERE s.key = jobs.concurrency_key), 0) END AS held
          FROM jobs
          WHERE state = 'pending' AND tags <@ $2::jsonb AND NOT EXISTS (SELECT 1 FROM earlier)
            AND NOT tags ?| (SELECT coalesce(array_agg(tag), '{}') FROM paused_tags)
            AND (concurrency_key IS NULL OR coalesce((SELECT s.running FROM concurrency_slots s WHERE s.key = jobs.concurrency_key), 0) < coalesce(jobs.concurrency_limit,
            (SELECT l.concurrency FROM concurrency_limits l
             WHERE jobs.concurrency_key LIKE replace(replace(l.pattern, '_', '\\_'), '*', '%')
             ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1), 1))
          ORDER BY priority DESC, id
          LIMIT $3
          FOR UPDATE SKIP LOCKED
        ), ranked AS (
          SELECT id, ck, lim - held AS free, row_number() OVER (PARTITION BY ck ORDER BY priority DESC, id) AS rank,
            lim FROM picked
        ), wanted AS (
          SELECT ck, count(*)::integer AS n, min(lim) AS lim FROM ranked
          WHERE ck IS NOT NULL AND rank <= free GROUP BY ck
        ), slots AS (
          SELECT key FROM concurrency_slots WHERE key = ANY (ARRAY(SELECT ck FROM wanted)) ORDER BY key FOR UPDATE
        ), granted AS (
          UPDATE concurrency_slots s SET running = s.running + w.n FROM wanted w
          WHERE s.key = w.ck AND s.key IN (SELECT key FROM slots) AND s.running + w.n <= w.lim
          RETURNING s.key
        ), claimed AS (
          UPDATE jobs SET
            state = 'running', attempt = attempt + 1, worker_id = $1, claim_id = $5::text,
            lease_token = replace(gen_random_uuid()::text, '-', ''),
            lease_expires_at = $4 + trunc(lease_s * 1000)::bigint,
            deadline_at = CASE WHEN timeout_s IS NULL THEN NULL ELSE $4 + trunc(timeout_s * 1000)::bigint END,
            started_at = $4, updated_at = $4, finished_at = NULL, result = NULL, error = NULL,
            tasks = NULL, reported = NULL, version = version + 1
          WHERE id IN (
            SELECT id FROM ranked WHERE ck IS NULL OR (rank <= free AND ck IN (SELECT key FROM granted)))
          RETURNING *
        ), history AS (
          INSERT INTO job_history (job_id, at, from_state, to_state, event, reason, worker_id, attempt)
          SELECT id, ($4)::bigint, ('pending')::text, ('running')::text, ('claim')::text,
            (NULL)::text, ($1)::text, attempt FROM claimed
        )
        SELECT * FROM claimed UNION ALL SELECT * FROM earlier ORDER BY priority DESC, id;
      END
      $claim$;
    `,
  },
  {
    version: 15,
    name: "one claim: fencing, kill grace, paused tags and concurrency keys",
    sql: `
      -- The claims of migrations 10, 13 and 14 were written side by side; this is all of them in
      -- one function (the seven-parameter one of migration 10), and the six-parameter one that
      -- migrations 13 and 14 replaced is dropped. Body = CLAIM_BODY in job-statements.ts.
      DROP FUNCTION IF EXISTS flowy_claim(text, jsonb, integer, bigint, text, boolean);
      CREATE OR REPLACE FUNCTION flowy_claim(text, jsonb, integer, bigint, text, boolean, bigint) RETURNS SETOF jobs
      LANGUAGE plpgsql
      SET enable_sort = off SET enable_bitmapscan = off SET jit = off
      AS $claim$
      BEGIN
        RETURN QUERY
        WITH earlier AS (
          UPDATE jobs SET lease_expires_at = $4 + trunc(lease_s * 1000)::bigint, updated_at = $4,
            version = version + 1
          WHERE $6::boolean AND claim_id = $5::text AND worker_id = $1 AND state IN ('running', 'cancelling')
          RETURNING *
        ), picked AS MATERIALIZED (
          SELECT id, priority, concurrency_key AS ck,
            CASE WHEN concurrency_key IS NULL THEN NULL ELSE coalesce(jobs.concurrency_limit,
            (SELECT l.concurrency FROM concurrency_limits l
             WHERE jobs.concurrency_key LIKE replace(replace(l.pattern, '_', '\\_'), '*', '%')
             ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1), 1) END AS lim,
            CASE WHEN concurrency_key IS NULL THEN NULL ELSE coalesce((SELECT s.running FROM concurrency_slots s WHERE s.key = jobs.concurrency_key), 0) END AS held
          FROM jobs
          WHERE state = 'pending' AND tags <@ $2::jsonb AND NOT EXISTS (SELECT 1 FROM earlier)
            AND NOT tags ?| (SELECT coalesce(array_agg(tag), '{}') FROM paused_tags)
            AND (concurrency_key IS NULL OR coalesce((SELECT s.running FROM concurrency_slots s WHERE s.key = jobs.concurrency_key), 0) < coalesce(jobs.concurrency_limit,
            (SELECT l.concurrency FROM concurrency_limits l
             WHERE jobs.concurrency_key LIKE replace(replace(l.pattern, '_', '\\_'), '*', '%')
             ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1), 1))
          ORDER BY priority DESC, id
          LIMIT $3
          FOR UPDATE SKIP LOCKED
        ), ranked AS (
          SELECT id, ck, lim - held AS free, row_number() OVER (PARTITION BY ck ORDER BY priority DESC, id) AS rank,
            lim FROM picked
        ), wanted AS (
          SELECT ck, count(*)::integer AS n, min(lim) AS lim FROM ranked
          WHERE ck IS NOT NULL AND rank <= free GROUP BY ck
        ), slots AS (
          SELECT key FROM concurrency_slots WHERE key = ANY (ARRAY(SELECT ck FROM wanted)) ORDER BY key FOR UPDATE
        ), granted AS (
          UPDATE concurrency_slots s SET running = s.running + w.n FROM wanted w
          WHERE s.key = w.ck AND s.key IN (SELECT key FROM slots) AND s.running + w.n <= w.lim
          RETURNING s.key
        ), claimed AS (
          UPDATE jobs SET
            state = 'running', attempt = attempt + 1, worker_id = $1, claim_id = $5::text,
            lease_token = replace(gen_random_uuid()::text, '-', ''), fence = fence + 1, kill_grace_ms = $7::bigint,
            lease_expires_at = $4 + trunc(lease_s * 1000)::bigint,
            deadline_at = CASE WHEN timeout_s IS NULL THEN NULL ELSE $4 + trunc(timeout_s * 1000)::bigint END,
            started_at = $4, updated_at = $4, finished_at = NULL, result = NULL, error = NULL,
            tasks = NULL, reported = NULL, version = version + 1
          WHERE id IN (
            SELECT id FROM ranked WHERE ck IS NULL OR (rank <= free AND ck IN (SELECT key FROM granted)))
          RETURNING *
        ), history AS (
          INSERT INTO job_history (job_id, at, from_state, to_state, event, reason, worker_id, attempt)
          SELECT id, ($4)::bigint, ('pending')::text, ('running')::text, ('claim')::text,
            (NULL)::text, ($1)::text, attempt FROM claimed
        )
        SELECT * FROM claimed UNION ALL SELECT * FROM earlier ORDER BY priority DESC, id;
      END
      $claim$;
    `,
  },
  {
    version: 16,
    name: "schedules and their ticks",
    sql: `
      -- A cron expression in a time zone and the job (a submit body) it enqueues per tick.
      -- version guards each tick's write (schedule-store.ts); next_tick_at is NULL while paused.
      CREATE TABLE schedules (
        name text PRIMARY KEY,
        cron text NOT NULL,
        tz text NOT NULL,
        overlap text NOT NULL,
        catch_up text NOT NULL,
        catch_up_max integer NOT NULL,
        job jsonb NOT NULL,
        paused boolean NOT NULL,
        last_tick_at bigint,
        next_tick_at bigint,
        last_job_id text,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        version integer NOT NULL
      );
      CREATE INDEX schedules_due ON schedules (next_tick_at) WHERE NOT paused;
      -- One row per fired tick (the schedule's recent runs). A cron tick is unique per schedule
      -- and time: the key that makes a tick enqueue exactly one job, whichever replica fires it.
      CREATE TABLE schedule_ticks (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        schedule_name text NOT NULL,
        tick_at bigint NOT NULL,
        job_id text,
        manual boolean NOT NULL,
        note text
      );
      CREATE UNIQUE INDEX schedule_ticks_once ON schedule_ticks (schedule_name, tick_at) WHERE NOT manual;
      CREATE INDEX schedule_ticks_recent ON schedule_ticks (schedule_name, seq);
    `,
  },
  {
    version: 17,
    name: "jobs name a bundle; the claim matches the worker's installed bundles",
    sql: `
      -- spec.bundle on the job: its name, and its pinned version (NULL: the latest stored version
      -- at claim time). No index: the claim tests these per candidate row, as it does tags.
      ALTER TABLE jobs ADD COLUMN bundle_name text;
      ALTER TABLE jobs ADD COLUMN bundle_version text;
      -- What a worker last said about its bundles (installed, failed with why), for people.
      ALTER TABLE workers ADD COLUMN bundles jsonb;
      -- The claim gains $8, the worker's installed bundles (jsonb array of name@version); the
      -- seven-parameter function of migration 15 is dropped. Body = CLAIM_BODY in job-statements.ts.
      DROP FUNCTION IF EXISTS flowy_claim(text, jsonb, integer, bigint, text, boolean, bigint);
      CREATE OR REPLACE FUNCTION flowy_claim(text, jsonb, integer, bigint, text, boolean, bigint, jsonb)
      RETURNS SETOF jobs
      LANGUAGE plpgsql
      SET enable_sort = off SET enable_bitmapscan = off SET jit = off
      AS $claim$
      BEGIN
        RETURN QUERY
        WITH earlier AS (
          UPDATE jobs SET lease_expires_at = $4 + trunc(lease_s * 1000)::bigint, updated_at = $4,
            version = version + 1
          WHERE $6::boolean AND claim_id = $5::text AND worker_id = $1 AND state IN ('running', 'cancelling')
          RETURNING *
        ), picked AS MATERIALIZED (
          SELECT id, priority, concurrency_key AS ck,
            CASE WHEN concurrency_key IS NULL THEN NULL ELSE coalesce(jobs.concurrency_limit,
            (SELECT l.concurrency FROM concurrency_limits l
             WHERE jobs.concurrency_key LIKE replace(replace(l.pattern, '_', '\\_'), '*', '%')
             ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1), 1) END AS lim,
            CASE WHEN concurrency_key IS NULL THEN NULL ELSE coalesce((SELECT s.running FROM concurrency_slots s WHERE s.key = jobs.concurrency_key), 0) END AS held
          FROM jobs
          WHERE state = 'pending' AND tags <@ $2::jsonb AND NOT EXISTS (SELECT 1 FROM earlier)
            AND NOT tags ?| (SELECT coalesce(array_agg(tag), '{}') FROM paused_tags)
            AND (bundle_name IS NULL OR $8::jsonb ? (bundle_name || '@' || coalesce(bundle_version,
            (SELECT b.version FROM bundles b WHERE b.name = jobs.bundle_name ORDER BY b.created_at DESC LIMIT 1))))
            AND (concurrency_key IS NULL OR coalesce((SELECT s.running FROM concurrency_slots s WHERE s.key = jobs.concurrency_key), 0) < coalesce(jobs.concurrency_limit,
            (SELECT l.concurrency FROM concurrency_limits l
             WHERE jobs.concurrency_key LIKE replace(replace(l.pattern, '_', '\\_'), '*', '%')
             ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1), 1))
          ORDER BY priority DESC, id
          LIMIT $3
          FOR UPDATE SKIP LOCKED
        ), ranked AS (
          SELECT id, ck, lim - held AS free, row_number() OVER (PARTITION BY ck ORDER BY priority DESC, id) AS rank,
            lim FROM picked
        ), wanted AS (
          SELECT ck, count(*)::integer AS n, min(lim) AS lim FROM ranked
          WHERE ck IS NOT NULL AND rank <= free GROUP BY ck
        ), slots AS (
          SELECT key FROM concurrency_slots WHERE key = ANY (ARRAY(SELECT ck FROM wanted)) ORDER BY key FOR UPDATE
        ), granted AS (
          UPDATE concurrency_slots s SET running = s.running + w.n FROM wanted w
          WHERE s.key = w.ck AND s.key IN (SELECT key FROM slots) AND s.running + w.n <= w.lim
          RETURNING s.key
        ), claimed AS (
          UPDATE jobs SET
            state = 'running', attempt = attempt + 1, worker_id = $1, claim_id = $5::text,
            lease_token = replace(gen_random_uuid()::text, '-', ''), fence = fence + 1, kill_grace_ms = $7::bigint,
            lease_expires_at = $4 + trunc(lease_s * 1000)::bigint,
            deadline_at = CASE WHEN timeout_s IS NULL THEN NULL ELSE $4 + trunc(timeout_s * 1000)::bigint END,
            started_at = $4, updated_at = $4, finished_at = NULL, result = NULL, error = NULL,
            tasks = NULL, reported = NULL, version = version + 1
          WHERE id IN (
            SELECT id FROM ranked WHERE ck IS NULL OR (rank <= free AND ck IN (SELECT key FROM granted)))
          RETURNING *
        ), history AS (
          INSERT INTO job_history (job_id, at, from_state, to_state, event, reason, worker_id, attempt)
          SELECT id, ($4)::bigint, ('pending')::text, ('running')::text, ('claim')::text,
            (NULL)::text, ($1)::text, attempt FROM claimed
        )
        SELECT * FROM claimed UNION ALL SELECT * FROM earlier ORDER BY priority DESC, id;
      END
      $claim$;
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
      -- A declared limit may name a rate (rate_limit starts per rate_window_ms of any key it
      -- governs) and may leave the concurrency out (NULL: no cap for its keys).
      ALTER TABLE concurrency_limits ALTER COLUMN concurrency DROP NOT NULL,
        ADD COLUMN rate_limit integer, ADD COLUMN rate_window_ms bigint;
      -- A rate-limited key's sliding log of start times (epoch ms), kept in its counter row: the
      -- claim locks that row, and its re-check sees the row's newest version, log included.
      ALTER TABLE concurrency_slots ADD COLUMN starts bigint[] NOT NULL DEFAULT '{}';
      CREATE INDEX concurrency_slots_rated ON concurrency_slots (key) WHERE cardinality(starts) > 0;
      -- Pending jobs by key: which rate-limited keys have jobs waiting (the claim waiters' wake-up).
      CREATE INDEX jobs_key_pending ON jobs (concurrency_key)
        WHERE state = 'pending' AND concurrency_key IS NOT NULL;
      -- flowy_claim as in migration 17 (18 left it as it was), and it leaves a job pending while its key's rate has no
      -- start left in the window. Body = CLAIM_BODY in job-statements.ts (a test keeps them equal).
      CREATE OR REPLACE FUNCTION flowy_claim(text, jsonb, integer, bigint, text, boolean, bigint, jsonb)
      RETURNS SETOF jobs
      LANGUAGE plpgsql
      SET enable_sort = off SET enable_bitmapscan = off SET jit = off
      AS $claim$
      BEGIN
        RETURN QUERY
        WITH earlier AS (
          UPDATE jobs SET lease_expires_at = $4 + trunc(lease_s * 1000)::bigint, updated_at = $4,
            version = version + 1
          WHERE $6::boolean AND claim_id = $5::text AND worker_id = $1 AND state IN ('running', 'cancelling')
          RETURNING *
        ), picked AS MATERIALIZED (
          SELECT id, priority, concurrency_key AS ck,
            CASE WHEN concurrency_key IS NULL THEN NULL ELSE coalesce(jobs.concurrency_limit, (SELECT coalesce(l.concurrency, 2147483647) FROM concurrency_limits l
             WHERE jobs.concurrency_key LIKE replace(replace(l.pattern, '_', '\\_'), '*', '%')
             ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1), 1) END AS lim,
            CASE WHEN concurrency_key IS NULL THEN NULL ELSE coalesce((SELECT s.running FROM concurrency_slots s WHERE s.key = jobs.concurrency_key), 0) END AS held,
            CASE WHEN concurrency_key IS NULL THEN NULL ELSE (SELECT l.rate_limit FROM concurrency_limits l
             WHERE jobs.concurrency_key LIKE replace(replace(l.pattern, '_', '\\_'), '*', '%')
             ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1) END AS rlim,
            CASE WHEN concurrency_key IS NULL THEN NULL ELSE (SELECT l.rate_window_ms FROM concurrency_limits l
             WHERE jobs.concurrency_key LIKE replace(replace(l.pattern, '_', '\\_'), '*', '%')
             ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1) END AS rwin,
            CASE WHEN concurrency_key IS NULL THEN NULL ELSE coalesce((SELECT count(*)::integer FROM concurrency_slots s, unnest(s.starts) t
             WHERE s.key = jobs.concurrency_key AND t > $4 - (SELECT l.rate_window_ms FROM concurrency_limits l
             WHERE jobs.concurrency_key LIKE replace(replace(l.pattern, '_', '\\_'), '*', '%')
             ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1)), 0) END AS rused
          FROM jobs
          WHERE state = 'pending' AND tags <@ $2::jsonb AND NOT EXISTS (SELECT 1 FROM earlier)
            AND NOT tags ?| (SELECT coalesce(array_agg(tag), '{}') FROM paused_tags)
            AND (bundle_name IS NULL OR $8::jsonb ? (bundle_name || '@' || coalesce(bundle_version,
            (SELECT b.version FROM bundles b WHERE b.name = jobs.bundle_name ORDER BY b.created_at DESC LIMIT 1))))
            AND (concurrency_key IS NULL OR (coalesce((SELECT s.running FROM concurrency_slots s WHERE s.key = jobs.concurrency_key), 0) < coalesce(jobs.concurrency_limit, (SELECT coalesce(l.concurrency, 2147483647) FROM concurrency_limits l
             WHERE jobs.concurrency_key LIKE replace(replace(l.pattern, '_', '\\_'), '*', '%')
             ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1), 1)
              AND coalesce(coalesce((SELECT count(*)::integer FROM concurrency_slots s, unnest(s.starts) t
             WHERE s.key = jobs.concurrency_key AND t > $4 - (SELECT l.rate_window_ms FROM concurrency_limits l
             WHERE jobs.concurrency_key LIKE replace(replace(l.pattern, '_', '\\_'), '*', '%')
             ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1)), 0) < (SELECT l.rate_limit FROM concurrency_limits l
             WHERE jobs.concurrency_key LIKE replace(replace(l.pattern, '_', '\\_'), '*', '%')
             ORDER BY l.pattern = jobs.concurrency_key DESC, length(l.pattern) DESC LIMIT 1), true)))
          ORDER BY priority DESC, id
          LIMIT $3
          FOR UPDATE SKIP LOCKED
        ), ranked AS (
          SELECT id, ck, least(lim - held, coalesce(rlim - rused, lim - held)) AS free,
            row_number() OVER (PARTITION BY ck ORDER BY priority DESC, id) AS rank, lim, rlim, rwin FROM picked
        ), wanted AS (
          SELECT ck, count(*)::integer AS n, min(lim) AS lim, min(rlim) AS rlim, min(rwin) AS rwin FROM ranked
          WHERE ck IS NOT NULL AND rank <= free GROUP BY ck
        ), slots AS (
          SELECT key FROM concurrency_slots WHERE key = ANY (ARRAY(SELECT ck FROM wanted)) ORDER BY key FOR UPDATE
        ), granted AS (
          UPDATE concurrency_slots s SET running = s.running + w.n,
            starts = CASE WHEN w.rlim IS NULL THEN s.starts
              ELSE ARRAY(SELECT t FROM unnest(s.starts) t WHERE t > $4 - w.rwin) || array_fill($4::bigint, ARRAY[w.n]) END
          FROM wanted w
          WHERE s.key = w.ck AND s.key IN (SELECT key FROM slots) AND s.running + w.n <= w.lim
            AND (w.rlim IS NULL OR (SELECT count(*) FROM unnest(s.starts) t WHERE t > $4 - w.rwin) + w.n <= w.rlim)
          RETURNING s.key
        ), claimed AS (
          UPDATE jobs SET
            state = 'running', attempt = attempt + 1, worker_id = $1, claim_id = $5::text,
            lease_token = replace(gen_random_uuid()::text, '-', ''), fence = fence + 1, kill_grace_ms = $7::bigint,
            lease_expires_at = $4 + trunc(lease_s * 1000)::bigint,
            deadline_at = CASE WHEN timeout_s IS NULL THEN NULL ELSE $4 + trunc(timeout_s * 1000)::bigint END,
            started_at = $4, updated_at = $4, finished_at = NULL, result = NULL, error = NULL,
            tasks = NULL, reported = NULL, version = version + 1
          WHERE id IN (
            SELECT id FROM ranked WHERE ck IS NULL OR (rank <= free AND ck IN (SELECT key FROM granted)))
          RETURNING *
        ), history AS (
          INSERT INTO job_history (job_id, at, from_state, to_state, event, reason, worker_id, attempt)
          SELECT id, ($4)::bigint, ('pending')::text, ('running')::text, ('claim')::text,
            (NULL)::text, ($1)::text, attempt FROM claimed
        )
        SELECT * FROM claimed UNION ALL SELECT * FROM earlier ORDER BY priority DESC, id;
      END
      $claim$;
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
