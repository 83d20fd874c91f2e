/** Overview: counts per state, finished per minute over the last hour, queues by tags, workers. */
import { call } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { href } from "../lib/router.js";
import { failedOf, throughputChart } from "../components/chart.js";
import { JOB_STATES, tagChips } from "../components/badges.js";
import { stateIcon } from "../components/icons.js";
import { fillPage, keepFresh } from "./page.js";

/** @param {Record<string, number>} states */
function stateCards(states) {
  return h(
    "ul",
    { class: "cards", "aria-label": t("jobs.col.state") },
    // Deleted jobs are not part of the picture of the work.
    ...JOB_STATES.filter((state) => state !== "deleted").map((state) =>
      h(
        "li",
        {},
        h(
          "a",
          { class: `card st-${state}`, href: href("/jobs", { state }), "data-state": state },
          h("span", { class: "card-label" }, stateIcon(state), " ", t(`state.${state}`)),
          h("span", { class: "card-count" }, String(states[state] ?? 0)),
        ),
      ),
    ),
  );
}

/** @param {{buckets: import("../components/chart.js").Bucket[]}} throughput */
function chartPanel(throughput) {
  const succeeded = throughput.buckets.reduce((n, b) => n + b.succeeded, 0);
  const failed = throughput.buckets.reduce((n, b) => n + failedOf(b), 0);
  return [
    h(
      "div",
      { class: "legend" },
      h("span", { class: "key ok" }, t("state.succeeded")),
      h("span", { class: "key bad" }, `${t("state.failed")} / ${t("state.timed_out")}`),
      h(
        "span",
        { class: "muted" },
        succeeded + failed ? t("overview.chart.total", { succeeded, failed }) : t("overview.chart.empty"),
      ),
    ),
    throughputChart(throughput.buckets),
  ];
}

/** @param {Array<{tags: string[], pending: number}>} queues */
function queueTable(queues) {
  if (!queues.length) return h("p", { class: "muted" }, t("overview.queues.empty"));
  const sorted = [...queues].sort((a, b) => b.pending - a.pending);
  return h(
    "table",
    { class: "table compact" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("overview.queues.tags")),
        h("th", { scope: "col", class: "num" }, t("overview.queues.pending")),
      ),
    ),
    h(
      "tbody",
      {},
      ...sorted.map((q) =>
        h(
          "tr",
          {},
          h(
            "td",
            {},
            q.tags.length ? tagChips(q.tags) : h("span", { class: "muted" }, t("overview.untagged")),
          ),
          h("td", { class: "num" }, String(q.pending)),
        ),
      ),
    ),
  );
}

/** @param {Array<{id: string, status: string, running: number, capacity: number}>} workers */
function workerList(workers) {
  const lost = workers.filter((w) => w.status === "lost").length;
  return [
    h("p", { class: "big" }, t("overview.workers.summary", { active: workers.length - lost, lost })),
    h(
      "ul",
      { class: "plain" },
      ...workers
        .slice(0, 6)
        .map((w) =>
          h(
            "li",
            { class: w.status === "lost" ? "lost" : "" },
            h("span", { class: `dot-status ${w.status}`, "aria-hidden": "true" }),
            h("code", {}, w.id),
            h("span", { class: "muted" }, ` ${w.running}/${w.capacity}`),
          ),
        ),
    ),
    h("a", { href: href("/workers") }, t("overview.workers.all"), " →"),
  ];
}

/**
 * @param {HTMLElement} root
 * @param {import("./page.js").PageContext} ctx
 */
export function mountOverview(root, ctx) {
  const cards = h("div", { "aria-busy": "true" }, t("loading"));
  const chart = h("div", { class: "chart-box" });
  const queues = h("div");
  const workers = h("div");
  const errorBox = fillPage(
    root,
    t("overview.title"),
    cards,
    h(
      "div",
      { class: "grid" },
      h("section", { class: "panel wide" }, h("h2", {}, t("overview.chart")), chart),
      h("section", { class: "panel" }, h("h2", {}, t("overview.queues")), queues),
      h("section", { class: "panel" }, h("h2", {}, t("overview.workers")), workers),
    ),
  );
  const load = async () => {
    const [stats, throughput, workerList_] = await Promise.all([
      call("/stats"),
      call("/stats/throughput?minutes=60"),
      call("/workers"),
    ]);
    replace(cards, stateCards(stats.states));
    cards.removeAttribute("aria-busy");
    replace(chart, ...chartPanel(throughput));
    replace(queues, queueTable(stats.queues));
    replace(workers, ...workerList(workerList_.workers));
  };
  // The chart's minutes move and workers go quiet without any job change: poll those too.
  return keepFresh({ load, ctx, errorBox, throttleMs: 1000, pollMs: 15_000 });
}
