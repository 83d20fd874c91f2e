/** Workers: who is connected, their tags and slots, when each last beat, and what each runs. */
import { call } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { formatAgo, formatTime, t } from "../lib/i18n.js";
import { href, jobHref } from "../lib/router.js";
import { stateBadge, tagChips } from "../components/badges.js";
import { keepFresh, pageHead } from "./page.js";

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

/** @param {Record<string, any>} worker @param {Array<Record<string, any>>} running */
function workerRow(worker, running) {
  const lost = worker.status === "lost";
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
        { class: `status ${worker.status}`, title: lost ? t("workers.lost_hint") : "" },
        lost ? t("workers.lost") : t("workers.active"),
      ),
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
  const errorBox = h("div");
  const headers = ["id", "host", "tags", "slots", "seen", "status", "jobs"].map((k) =>
    h("th", { scope: "col" }, t(`workers.col.${k}`)),
  );
  replace(
    root,
    pageHead(t("workers.title")),
    errorBox,
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
