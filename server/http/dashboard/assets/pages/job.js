/** One job: facts, actions, workflow tasks as a DAG, the history timeline and the live log. */
import { ApiError, call } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { formatAgo, formatDuration, formatTime, spanMs, t } from "../lib/i18n.js";
import { href, jobHref } from "../lib/router.js";
import { stateBadge, tagChips } from "../components/badges.js";
import { taskDag } from "../components/dag.js";
import { createLogView } from "../components/log-view.js";
import { timeline } from "../components/timeline.js";
import { actionButtons } from "./job-actions.js";
import { keepFresh } from "./page.js";

/** @param {Record<string, any>} spec */
function describeSpec(spec) {
  if (spec.command) return spec.command.join(" ");
  if (spec.shell) return spec.shell;
  if (spec.workflow) return `workflow${spec.flow ? ` ${spec.flow}` : ""}`;
  return JSON.stringify(spec);
}

/** @param {string | null | undefined} iso */
function when(iso) {
  return iso ? h("time", { datetime: iso, title: formatAgo(iso) }, formatTime(iso)) : t("none");
}

/** @param {Record<string, any>} job */
function facts(job) {
  /** @type {Array<[string, import("../lib/dom.js").Child]>} */
  const rows = [
    ["job.id", h("code", {}, job.id)],
    ["job.state", stateBadge(job.state)],
    ["job.attempts", `${job.attempt} / ${job.max_attempts}`],
    [
      "job.worker",
      job.worker_id ? h("a", { href: href("/jobs", { worker: job.worker_id }) }, job.worker_id) : t("none"),
    ],
    ["job.priority", String(job.priority)],
    ["job.tags", tagChips(job.tags)],
    ["job.created", when(job.created_at)],
    ["job.started", when(job.started_at)],
    ["job.finished", when(job.finished_at)],
    ["job.duration", formatDuration(spanMs(job.started_at, job.finished_at))],
  ];
  if (job.run_at) rows.push(["job.run_at", when(job.run_at)]);
  if (job.lease_expires_at) rows.push(["job.lease", when(job.lease_expires_at)]);
  if (job.parent_id) rows.push(["job.parent", h("a", { href: jobHref(job.parent_id) }, job.parent_id)]);
  rows.push(["job.command", h("code", { class: "wrap" }, describeSpec(job.spec))]);
  return h(
    "dl",
    { class: "facts" },
    ...rows.flatMap(([key, value]) => [h("dt", {}, t(key)), h("dd", {}, value)]),
  );
}

/** @param {Record<string, any>} job */
function outcome(job) {
  const parts = [];
  if (job.error) {
    parts.push(
      h(
        "section",
        { class: "panel error-panel" },
        h("h2", {}, t("job.error")),
        h("p", {}, job.error.message),
        job.error.exit_code != null
          ? h("p", { class: "muted" }, `${t("job.exit_code")}: ${job.error.exit_code}`)
          : null,
        job.error.stderr_tail ? h("pre", { class: "log short" }, job.error.stderr_tail) : null,
      ),
    );
  }
  if (job.result && job.state === "succeeded") {
    const outputs =
      job.result.outputs && Object.keys(job.result.outputs).length
        ? h("pre", { class: "log short" }, JSON.stringify(job.result.outputs, null, 2))
        : null;
    parts.push(
      h(
        "section",
        { class: "panel" },
        h("h2", {}, t("job.result")),
        h("p", {}, `${t("job.exit_code")}: ${job.result.exit_code ?? t("none")}`),
        outputs,
      ),
    );
  }
  return parts;
}

/** @param {Array<import("../components/dag.js").Task & {started_at?: string | null, finished_at?: string | null}>} tasks */
function tasksPanel(tasks) {
  const table = h(
    "table",
    { class: "table compact" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ...["job.task.name", "job.state", "job.task.needs", "job.duration"].map((k) =>
          h("th", { scope: "col" }, t(k)),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      ...tasks.map((task) =>
        h(
          "tr",
          { "data-task": task.name },
          h("td", {}, task.name),
          h("td", {}, stateBadge(task.state)),
          h("td", {}, (task.needs ?? []).join(", ") || t("none")),
          h("td", {}, formatDuration(spanMs(task.started_at, task.finished_at))),
        ),
      ),
    ),
  );
  return h(
    "section",
    { class: "panel" },
    h("h2", {}, t("job.tasks")),
    h("div", { class: "dag-wrap" }, taskDag(tasks)),
    h("details", {}, h("summary", {}, t("job.tasks")), table),
  );
}

/** States in which a job waits for something: the server says what (GET /jobs/{id}/explain). */
const WAITING = ["pending", "scheduled", "awaiting"];

/**
 * The server's sentence on why a waiting job is not running, or nothing for a job that is not
 * waiting (or when the explain cannot be read: the rest of the page still shows).
 * @param {Record<string, any>} job
 */
async function whyPanel(job) {
  if (!WAITING.includes(job.state)) return null;
  try {
    const why = await call(`/jobs/${encodeURIComponent(job.id)}/explain`);
    return h(
      "section",
      { class: "panel why", "data-reason": why.reason },
      h("h2", {}, t("job.why")),
      h("p", {}, why.message),
    );
  } catch {
    return null;
  }
}

/**
 * @param {HTMLElement} root
 * @param {import("./page.js").PageContext} ctx
 * @param {import("../lib/router.js").Route} route
 */
export function mountJob(root, ctx, route) {
  const id = route.id ?? "";
  const head = h("div", { class: "page-head" }, h("h1", {}, t("loading")));
  const body = h("div", { class: "job-body" });
  const history = h("section", { class: "panel" }, h("h2", {}, t("job.history")));
  const logs = createLogView(id);
  const errorBox = h("div");
  replace(
    root,
    h("nav", { class: "crumbs" }, h("a", { href: href("/jobs") }, t("job.back")), " › "),
    head,
    errorBox,
    body,
    h("div", { class: "grid two" }, logs.el, history),
  );

  const load = async () => {
    let job;
    try {
      job = await call(`/jobs/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        replace(head, h("h1", {}, t("job.not_found", { id })));
        return;
      }
      throw error;
    }
    replace(
      head,
      h("h1", {}, job.name),
      stateBadge(job.state),
      actionButtons(job, ctx, () => refreshNow()),
    );
    const why = await whyPanel(job);
    replace(
      body,
      why,
      h("section", { class: "panel" }, facts(job)),
      ...outcome(job),
      job.tasks?.length ? tasksPanel(job.tasks) : null,
    );
    replace(history, h("h2", {}, t("job.history")), timeline(job.history ?? []));
    logs.setAttempts(job.attempt);
    await logs.refresh();
  };
  const refreshNow = () => void load().catch(() => undefined);
  // Why a job waits can change without the job changing (a worker arrives, a tag is resumed): poll too.
  return keepFresh({
    load,
    ctx,
    errorBox,
    relevant: (change) => change.id === id,
    throttleMs: 300,
    pollMs: 5_000,
  });
}
