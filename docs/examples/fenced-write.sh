#!/bin/sh
# A job whose write is fenced: it lands only if no later lease of this job wrote first.
# Usage (a job): flowy-client submit --shell 'sh docs/examples/fenced-write.sh /tmp/fenced.db'
# Needs sqlite3; the same statement works on PostgreSQL with psql -v.
set -eu
db="$1"
sqlite3 "$db" "CREATE TABLE IF NOT EXISTS totals (job_id TEXT PRIMARY KEY, total INTEGER, fence INTEGER NOT NULL)"
sqlite3 "$db" "INSERT OR IGNORE INTO totals (job_id, total, fence) VALUES ('$FLOWY_JOB_ID', NULL, 0)"
total=$(( $(date +%s) % 1000 ))   # the job's real work goes here
changed=$(sqlite3 "$db" "UPDATE totals SET total = $total, fence = $FLOWY_FENCE
  WHERE job_id = '$FLOWY_JOB_ID' AND fence < $FLOWY_FENCE; SELECT changes();")
if [ "$changed" = 0 ]; then
  echo "a newer lease of $FLOWY_JOB_ID (fence > $FLOWY_FENCE) already wrote: leaving its result alone" >&2
  exit 0
fi
echo "wrote total $total under fence $FLOWY_FENCE"
