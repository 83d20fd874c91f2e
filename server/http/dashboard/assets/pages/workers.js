/** Workers: who is connected, their tags and slots, when each last beat, and what each runs. */
import { call } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { formatAgo, formatTime, t } from "../lib/i18n.js";
import { href, jobHref } from "../lib/router.js";
import { stateBadge, tagChips } from "../components/badges.js";
import { actionButton } from "../components/run-action.js";
import { fillPage, keepFresh } from "./page.js";

/** @param {number} used @param {number} total */
function slots(used, total) {
  const meter = h("meter", {
    min: "0",
    max: String(total),
    value: String(used),
    "aria-label": t("workers.col.slots"),
  });
  return h("span", { class: "slots" }, meter, ` ${used}/${total}`);
}

/**
 * The Drain button: the worker stops claiming, finishes what it runs and exits. Shown only to a
 * role the server lets drain, and only for a worker that is active and not draining yet.
 * @param {Record<string, any>} worker
 * @param {import("./page.js").PageContext} ctx
 * @param {() => void} after
 */
function drainButton(worker, ctx, after) {
  return actionButton({
    action: "drain",
    label: t("workers.drain"),
    iconName: "stop",
    ctx,
    after,
    confirm: t("workers.confirm_drain", { id: worker.id, n: worker.running }),
    work: async () => {
      await call(`/workers/${encodeURIComponent(worker.id)}/drain`, { method: "POST" });
      ctx.announce(t("workers.drain_done", { id: worker.id }));
    },
  });
}

/** @param {Record<string, any>} worker */
function statusOf(worker) {
  if (worker.status === "lost") return "lost";
  return worker.draining ? "draining" : "active";
}

/**
 * @param {Record<string, any>} worker
 * @param {Array<Record<string, any>>} running
 * @param {import("./page.js").PageContext} ctx
 * @param {() => void} reload
 */
function workerRow(worker, running, ctx, reload) {
  const lost = worker.status === "lost";
  const status = statusOf(worker);
  return h(
    "tr",
    { class: lost ? "lost" : "", "data-worker-id": worker.id },
    h(
      "td",
      { "data-label": t("workers.col.id") },
      h("a", { href: href("/jobs", { worker: worker.id }) }, h("code", {}, worker.id)),
    ),
    h("td", { "data-label": t("workers.col.host") }, worker.hostname),
    h("td", { "data-label": t("workers.col.tags") }, tagChips(worker.tags)),
    h("td", { "data-label": t("workers.col.slots") }, slots(worker.running, worker.capacity)),
    h(
      "td",
      { "data-label": t("workers.col.seen") },
      h(
        "time",
        { datetime: worker.last_seen_at, title: formatTime(worker.last_seen_at) },
        formatAgo(worker.last_seen_at),
      ),
    ),
    h(
      "td",
      { "data-label": t("workers.col.status") },
      h(
        "span",
        { class: `status ${status}`, title: lost ? t("workers.lost_hint") : "" },
        t(`workers.${status}`),
      ),
      status === "active" && ctx.session.controls.includes("drain")
        ? [" ", drainButton(worker, ctx, reload)]
        : [],
    ),
    h(
      "td",
      { "data-label": t("workers.col.jobs") },
      running.length
        ? h(
            "ul",
            { class: "plain" },
            ...running.map((job) =>
              h("li", {}, stateBadge(job.state), " ", h("a", { href: jobHref(job.id) }, job.name)),
            ),
          )
        : h("span", { class: "muted" }, t("none")),
    ),
  );
}

/**
 * @param {HTMLElement} root
 * @param {import("./page.js").PageContext} ctx
 */
export function mountWorkers(root, ctx) {
  const tbody = h("tbody");
  const headers = ["id", "host", "tags", "slots", "seen", "status", "jobs"].map((k) =>
    h("th", { scope: "col" }, t(`workers.col.${k}`)),
  );
  const errorBox = fillPage(
    root,
    t("workers.title"),
    h(
      "div",
      { class: "table-wrap" },
      h("table", { class: "table workers" }, h("thead", {}, h("tr", {}, ...headers)), tbody),
    ),
  );
  const load = async () => {
    const [{ workers }, { jobs }] = await Promise.all([
      call("/workers"),
      call("/jobs?state=running,cancelling&limit=500"),
    ]);
    if (!workers.length) {
      replace(tbody, h("tr", {}, h("td", { colspan: "7", class: "empty" }, t("workers.empty"))));
      return;
    }
    replace(
      tbody,
      ...workers.map((/** @type {Record<string, any>} */ w) =>
        workerRow(
          w,
          jobs.filter((/** @type {Record<string, any>} */ j) => j.worker_id === w.id),
          ctx,
          () => void load().catch(() => {}),
        ),
      ),
    );
  };
  // "Lost" is the absence of heartbeats, which no change announces: poll as well.
  return keepFresh({
    load,
    ctx,
    errorBox,
    throttleMs: 2000,
    pollMs: 10_000,
    relevant: (c) => c.state === "running" || c.state === "cancelling" || !c.kind,
  });
}
