/**
 * `flowy-client submit --from-file jobs.jsonl`: one job per line, each the body POST /jobs takes,
 * sent a thousand at a time through POST /jobs/batch. Every line is parsed before anything is
 * sent, so a typo on line 9,000 does not leave 8,999 jobs behind it.
 */
import { readFileSync } from "node:fs";
import { FlowyError } from "../../shared/errors.ts";
import type { SubmitBatchResult, SubmitJob } from "../../shared/protocol.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";

const usage = (detail: string, hint: string) => new FlowyError("invalid-request", detail, hint);

/** The jobs of a JSON Lines file (`-` reads stdin); blank lines and `#` comments are skipped. */
export function readJobsFile(path: string): Array<{ line: number; job: SubmitJob }> {
  let text: string;
  try {
    text = readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (error) {
    throw usage(
      `cannot read ${path}: ${(error as Error).message}`,
      "Pass a JSON Lines file, or - for stdin.",
    );
  }
  const jobs: Array<{ line: number; job: SubmitJob }> = [];
  text.split("\n").forEach((raw, i) => {
    const source = raw.trim();
    if (!source || source.startsWith("#")) return;
    let job: unknown;
    try {
      job = JSON.parse(source);
    } catch (error) {
      throw usage(
        `${path} line ${i + 1} is not JSON: ${(error as Error).message}`,
        'Each line is one job as POST /jobs takes it, e.g. {"spec": {"command": ["echo", "hi"]}}',
      );
    }
    if (typeof job !== "object" || job === null || Array.isArray(job)) {
      throw usage(`${path} line ${i + 1} is not a JSON object`, 'Write each job as {"spec": {...}, ...}.');
    }
    jobs.push({ line: i + 1, job: job as SubmitJob });
  });
  if (jobs.length === 0) throw usage(`${path} has no jobs`, "Put one JSON job per line.");
  return jobs;
}

/** Submits the file's jobs; exits 0 when every job was submitted, 1 when some were refused. */
export async function submitFile(ctx: CliContext, path: string): Promise<number> {
  const jobs = readJobsFile(path);
  const { printer } = ctx;
  const results = await ctx.client.submitMany(
    jobs.map((j) => j.job),
    {
      onProgress: (done, total) => {
        if (!printer.quiet && total > 1000)
          printer.note(`… ${done.toLocaleString()} of ${total.toLocaleString()}`);
      },
    },
  );
  if (printer.style === "json") {
    printer.json(results.map((r, i) => ({ line: jobs[i]!.line, ...r })));
    return results.some((r) => r.error) ? EXIT.usage : EXIT.succeeded;
  }
  return printSummary(ctx, path, jobs, results);
}

function printSummary(
  ctx: CliContext,
  path: string,
  jobs: Array<{ line: number }>,
  results: SubmitBatchResult[],
): number {
  const { printer } = ctx;
  let created = 0;
  let existing = 0;
  const refused: string[] = [];
  results.forEach((r, i) => {
    if (r.job) {
      if (printer.quiet) printer.out(r.job.id);
      if (r.created) created++;
      else existing++;
    } else {
      const hint = r.error?.hint ? ` (${r.error.hint})` : "";
      refused.push(`${path} line ${jobs[i]!.line}: ${r.error?.detail ?? "not submitted"}${hint}`);
    }
  });
  if (!printer.quiet) {
    const again = existing ? `, ${existing} already there under their idempotency keys` : "";
    printer.out(`${printer.icon("🚀")}Submitted ${created} job(s)${again}.`);
  }
  for (const line of refused) printer.note(`${printer.icon("❌")}${line}`);
  if (refused.length)
    printer.note(`${refused.length} job(s) were not submitted; fix those lines and send them again.`);
  return refused.length ? EXIT.usage : EXIT.succeeded;
}
