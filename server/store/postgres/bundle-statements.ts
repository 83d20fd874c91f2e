/** The PostgreSQL store's bundle statements, each with a header naming its parameters. */
import { ENDED } from "../state-sql.ts";
import { sql } from "./pg-executor.ts";

// $1 blob id, $2 byte offset, $3 length, $4 bytes, $5 now.
export const PUT_CHUNK = sql(
  "INSERT INTO bundle_chunks (blob_id, byte_offset, len, data, at) VALUES ($1, $2, $3, $4, $5)",
);

// $1 blob id: only while no bundle names it.
export const DISCARD_BLOB = sql(
  "DELETE FROM bundle_chunks WHERE blob_id = $1 AND NOT EXISTS (SELECT 1 FROM bundles WHERE blob_id = $1)",
);

// $1 blob id.
export const BLOB_SIZE = sql(
  "SELECT coalesce(sum(len), 0)::bigint AS n FROM bundle_chunks WHERE blob_id = $1",
);

// $1 name, $2 new version, $3 the highest version the caller saw (null: none): the guard.
export const RAISE_LATEST = sql(
  `INSERT INTO bundle_names (name, latest_version) VALUES ($1, $2)
   ON CONFLICT (name) DO UPDATE SET latest_version = excluded.latest_version
     WHERE bundle_names.latest_version IS NOT DISTINCT FROM $3::text
   RETURNING name`,
);

// $1 name, $2 version, $3 blob id, $4 sha256, $5 size, $6 tags (jsonb), $7 setup, $8 created at, $9 uploaded by.
export const INSERT_BUNDLE = sql(
  `INSERT INTO bundles (name, version, blob_id, sha256, size, tags, setup, created_at, uploaded_by)
   VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)`,
);

// $1 at, $2 action, $3 name, $4 version, $5 key name, $6 address, $7 user agent.
export const INSERT_EVENT = sql(
  `INSERT INTO bundle_events (at, action, name, version, key_name, address, user_agent)
   VALUES ($1, $2, $3, $4, $5, $6, $7)`,
);

// $1 name, $2 version.
export const DELETE_BUNDLE = sql("DELETE FROM bundles WHERE name = $1 AND version = $2 RETURNING blob_id");

// $1 blob id.
export const DELETE_BLOB = sql("DELETE FROM bundle_chunks WHERE blob_id = $1");

// $1 name, $2 version.
export const GET_BUNDLE = sql("SELECT * FROM bundles WHERE name = $1 AND version = $2");

// No parameters.
export const LIST_BUNDLES = sql("SELECT * FROM bundles ORDER BY name, created_at, version");

// $1 name.
export const LIST_BUNDLES_OF = sql("SELECT * FROM bundles WHERE name = $1 ORDER BY created_at, version");

// The versions unfinished jobs pin, with how many; walks jobs_bundle_pins (migration 18).
export const PINNED_VERSIONS = sql(`SELECT bundle_name, bundle_version, count(*) AS jobs FROM jobs
  WHERE bundle_version IS NOT NULL AND state NOT IN ${ENDED}
  GROUP BY bundle_name, bundle_version ORDER BY bundle_name, bundle_version`);

// $1 name.
export const LATEST_VERSION = sql("SELECT latest_version FROM bundle_names WHERE name = $1");

// $1 blob id, $2 byte offset: the chunk starting at or before it.
export const READ_CHUNK = sql(
  `SELECT byte_offset, len, data FROM bundle_chunks WHERE blob_id = $1 AND byte_offset <= $2
   ORDER BY byte_offset DESC LIMIT 1`,
);

// $1 limit.
export const LIST_EVENTS = sql("SELECT * FROM bundle_events ORDER BY seq DESC LIMIT $1");

// $1 limit, $2 name.
export const LIST_EVENTS_OF = sql("SELECT * FROM bundle_events WHERE name = $2 ORDER BY seq DESC LIMIT $1");

// $1 cutoff (epoch ms).
export const SWEEP_BLOBS = sql(
  "DELETE FROM bundle_chunks WHERE at < $1 AND blob_id NOT IN (SELECT blob_id FROM bundles) RETURNING blob_id",
);
