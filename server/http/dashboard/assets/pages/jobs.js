/**
 * Jobs: tabs per state (with counts), filters by tag and name (server side) and a search over the
 * page shown, newest first with cursor pages, and columns sortable within the page. Filters live
 * in the URL, so a filtered view can be bookmarked or shared.
 */
import { call } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { formatAgo, formatDuration, formatTime, spanMs, t } from "../lib/i18n.js";
import { href, jobHref } from "../lib/router.js";
import { stateBadge, tagChips } from "../components/badges.js";
import { keepFresh, pageHead } from "./page.js";

const PAGE_SIZE = 50;
const TABS = [
  "",
  "pending",
  "scheduled",
  "awaiting",
  "running",
  "cancelling",
  "succeeded",
  "failed",
  "timed_out",
  "canceled",
  "deleted",
];

/** @typedef {Record<string, any>} Job */
/** @typedef {{key: string, label: string, value: (job: Job) => string | number, cell: (job: Job) => import("../lib/dom.js").Child, num?: boolean}} Column */

/** @returns {Column[]} */
function columns() {
  return [
    {
      key: "id",
      label: t("jobs.col.id"),
      value: (j) => j.id,
      cell: (j) => h("a", { href: jobHref(j.id), class: "mono" }, j.id.slice(-10)),
    },
    {
      key: "name",
      label: t("jobs.col.name"),
      value: (j) => j.name,
      cell: (j) => h("a", { href: jobHref(j.id) }, j.name),
    },
    { key: "state", label: t("jobs.col.state"), value: (j) => j.state, cell: (j) => stateBadge(j.state) },
    { key: "tags", label: t("jobs.col.tags"), value: (j) => j.tags.join(","), cell: (j) => tagChips(j.tags) },
    {
      key: "attempt",
      label: t("jobs.col.attempt"),
      value: (j) => j.attempt,
      cell: (j) => `${j.attempt}/${j.max_attempts}`,
      num: true,
    },
    {
      key: "worker",
      label: t("jobs.col.worker"),
      value: (j) => j.worker_id ?? "",
      cell: (j) => j.worker_id ?? t("none"),
    },
    {
      key: "created",
      label: t("jobs.col.created"),
      value: (j) => j.created_at,
      cell: (j) =>
        h("time", { datetime: j.created_at, title: formatTime(j.created_at) }, formatAgo(j.created_at)),
    },
    {
      key: "duration",
      label: t("jobs.col.duration"),
      value: (j) => spanMs(j.started_at, j.finished_at) ?? -1,
      cell: (j) => formatDuration(spanMs(j.started_at, j.finished_at)),
      num: true,
    },
  ];
}

/** @param {Job} job @param {string} text */
function matches(job, text) {
  if (!text) return true;
  const haystack = [job.id, job.name, job.state, job.worker_id ?? "", ...job.tags, JSON.stringify(job.spec)]
    .join(" ")
    .toLowerCase();
  return haystack.includes(text.toLowerCase());
}

/**
 * @param {HTMLElement} root
 * @param {import("./page.js").PageContext} ctx
 * @param {import("../lib/router.js").Route} route
 */
export function mountJobs(root, ctx, route) {
  const q = route.query;
  const filters = {
    state: q.get("state") ?? "",
    tag: q.get("tag") ?? "",
    name: q.get("name") ?? "",
    worker: q.get("worker") ?? "",
    cursor: q.get("cursor") ?? "",
  };
  /** @type {Job[]} */
  let jobs = [];
  /** @type {string | null} */
  let nextCursor = null;
  let sort = { key: "", dir: 1 };
  const cols = columns();

  const tabs = h("nav", { class: "tabs", "aria-label": t("jobs.col.state") });
  const tagInput = h("input", { name: "tag", value: filters.tag, placeholder: "gpu", autocomplete: "off" });
  const nameInput = h("input", { name: "name", value: filters.name, autocomplete: "off" });
  const textInput = h("input", {
    type: "search",
    name: "text",
    id: "job-search",
    value: q.get("text") ?? "",
    autocomplete: "off",
  });
  const form = h(
    "form",
    { class: "filters", role: "search" },
    h("label", {}, t("jobs.filter.tag"), tagInput),
    h("label", {}, t("jobs.filter.name"), nameInput),
    h("button", { class: "button", type: "submit" }, t("jobs.filter.apply")),
    h("a", { class: "button subtle", href: href("/jobs", { state: filters.state }) }, t("jobs.filter.clear")),
    h("label", { class: "grow" }, t("jobs.filter.text"), textInput),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = href("/jobs", {
      state: filters.state,
      tag: tagInput.value.trim(),
      name: nameInput.value.trim(),
      text: textInput.value.trim(),
    });
  });
  textInput.addEventListener("input", () => renderRows());
  const thead = h("thead");
  const tbody = h("tbody");
  const pager = h("div", { class: "pager" });
  const errorBox = h("div");
  replace(
    root,
    pageHead(t("jobs.title")),
    tabs,
    form,
    errorBox,
    h("div", { class: "table-wrap" }, h("table", { class: "table jobs" }, thead, tbody)),
    pager,
  );

  function renderHead() {
    replace(
      thead,
      h(
        "tr",
        {},
        ...cols.map((col) => {
          const dir = sort.key === col.key ? (sort.dir > 0 ? "ascending" : "descending") : "none";
          const button = h(
            "button",
            { type: "button", class: "sort", title: t("jobs.sort", { column: col.label }) },
            col.label,
            h(
              "span",
              { class: "sort-mark", "aria-hidden": "true" },
              dir === "ascending" ? " ▲" : dir === "descending" ? " ▼" : "",
            ),
          );
          button.addEventListener("click", () => {
            sort = { key: col.key, dir: sort.key === col.key ? -sort.dir : 1 };
            renderHead();
            renderRows();
          });
          return h("th", { scope: "col", "aria-sort": dir, class: col.num ? "num" : "" }, button);
        }),
      ),
    );
  }

  function renderRows() {
    const col = cols.find((c) => c.key === sort.key);
    const shown = jobs.filter((job) => matches(job, textInput.value.trim()));
    if (col)
      shown.sort(
        (a, b) => (col.value(a) < col.value(b) ? -1 : col.value(a) > col.value(b) ? 1 : 0) * sort.dir,
      );
    if (!shown.length) {
      replace(tbody, h("tr", {}, h("td", { colspan: String(cols.length), class: "empty" }, t("jobs.empty"))));
      return;
    }
    replace(
      tbody,
      ...shown.map((job) =>
        h(
          "tr",
          { "data-job-id": job.id },
          ...cols.map((c) => h("td", { class: c.num ? "num" : "", "data-label": c.label }, c.cell(job))),
        ),
      ),
    );
  }

  /** @param {Record<string, number>} counts */
  function renderTabs(counts) {
    replace(
      tabs,
      ...TABS.map((state) => {
        const count = state ? (counts[state] ?? 0) : Object.values(counts).reduce((a, b) => a + b, 0);
        const current = state === filters.state;
        return h(
          "a",
          {
            href: href("/jobs", { state, tag: filters.tag, name: filters.name, worker: filters.worker }),
            class: `tab ${state ? `st-${state}` : ""}`,
            "aria-current": current ? "page" : false,
          },
          state ? t(`state.${state}`) : t("jobs.all"),
          h("span", { class: "count" }, String(count)),
        );
      }),
    );
  }

  function renderPager() {
    const query = { state: filters.state, tag: filters.tag, name: filters.name, worker: filters.worker };
    replace(
      pager,
      filters.cursor ? h("a", { class: "button", href: href("/jobs", query) }, t("jobs.newer")) : null,
      h("span", { class: "muted" }, t("jobs.count", { n: jobs.length })),
      nextCursor
        ? h("a", { class: "button", href: href("/jobs", { ...query, cursor: nextCursor }) }, t("jobs.older"))
        : null,
    );
  }

  const load = async () => {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    for (const key of /** @type {const} */ (["state", "tag", "name", "cursor"]))
      if (filters[key]) params.set(key, filters[key]);
    if (filters.worker) params.set("worker_id", filters.worker);
    const [page, stats] = await Promise.all([call(`/jobs?${params}`), call("/stats")]);
    jobs = page.jobs;
    nextCursor = page.next_cursor;
    renderTabs(stats.states);
    renderRows();
    renderPager();
  };
  renderHead();
  return keepFresh({ load, ctx, errorBox, throttleMs: 1000 });
}
