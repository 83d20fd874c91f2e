/**
 * Jobs: tabs per state (with counts) and a search over every job, run by the server (GET /jobs):
 * id prefix, name and error text, tags, worker; sorted by created, finished or duration, with
 * cursor pages. Filters live in the URL, so a search can be bookmarked or shared.
 */
import { call } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { formatAgo, formatDuration, formatTime, spanMs, t } from "../lib/i18n.js";
import { href, jobHref } from "../lib/router.js";
import { JOB_STATES, stateBadge, tagChips } from "../components/badges.js";
import { bulkBar } from "../components/bulk-bar.js";
import { keepFresh, pageHead } from "./page.js";

const PAGE_SIZE = 50;
/** The search's fields in the URL; `worker` goes to the server as worker_id. */
const FILTERS = /** @type {const} */ ([
  "state",
  "name",
  "tag",
  "id",
  "error",
  "worker",
  "key",
  "schedule",
  "sort",
  "order",
]);
/** The page's short names for the filters GET /jobs (and POST /jobs/bulk) names otherwise. */
const WIRE_NAME = /** @type {Record<string, string>} */ ({ worker: "worker_id", key: "concurrency_key" });
const SORTS = ["created", "finished", "duration"];

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

/**
 * @param {HTMLElement} root
 * @param {import("./page.js").PageContext} ctx
 * @param {import("../lib/router.js").Route} route
 */
export function mountJobs(root, ctx, route) {
  const q = route.query;
  /** @type {Record<string, string>} */
  const filters = Object.fromEntries([...FILTERS, "cursor"].map((key) => [key, q.get(key) ?? ""]));
  /** @type {Job[]} */
  let jobs = [];
  /** @type {string | null} */
  let nextCursor = null;
  const cols = columns();
  /** The search without the page: what tabs, sort links and "newest" keep. */
  const search = () => Object.fromEntries(FILTERS.map((key) => [key, filters[key] ?? ""]));

  const tabs = h("nav", { class: "tabs", "aria-label": t("jobs.col.state") });
  /** @param {string} name @param {Record<string, string>} [extra] */
  const input = (name, extra = {}) =>
    /** @type {HTMLInputElement} */ (
      h("input", { name, value: filters[name] ?? "", autocomplete: "off", ...extra })
    );
  const inputs = {
    name: input("name", { type: "search", id: "job-search" }),
    tag: input("tag", { placeholder: "gpu,linux" }),
    id: input("id"),
    error: input("error"),
    worker: input("worker"),
    key: input("key", { placeholder: "customer-42" }),
    schedule: input("schedule"),
  };
  const sortSelect = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      { name: "sort" },
      ...SORTS.map((key) =>
        h("option", { value: key, selected: (filters.sort || "created") === key }, t(`jobs.sortby.${key}`)),
      ),
    )
  );
  const ascBox = /** @type {HTMLInputElement} */ (
    h("input", { type: "checkbox", name: "order", checked: filters.order === "asc" })
  );
  const form = h(
    "form",
    { class: "filters", role: "search" },
    h("label", { class: "grow" }, t("jobs.filter.name"), inputs.name),
    h("label", {}, t("jobs.filter.tag"), inputs.tag),
    h("label", {}, t("jobs.filter.id"), inputs.id),
    h("label", {}, t("jobs.filter.error"), inputs.error),
    h("label", {}, t("jobs.filter.worker"), inputs.worker),
    h("label", {}, t("jobs.filter.key"), inputs.key),
    h("label", {}, t("jobs.filter.schedule"), inputs.schedule),
    h("label", {}, t("jobs.filter.sort"), sortSelect),
    h("label", { class: "check" }, ascBox, t("jobs.filter.asc")),
    h("button", { class: "button", type: "submit" }, t("jobs.filter.apply")),
    h(
      "a",
      { class: "button subtle", href: href("/jobs", { state: filters.state ?? "" }) },
      t("jobs.filter.clear"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = Object.entries(inputs).map(([key, el]) => [key, el.value.trim()]);
    location.hash = href("/jobs", {
      state: filters.state ?? "",
      ...Object.fromEntries(typed),
      sort: sortSelect.value === "created" ? "" : sortSelect.value,
      order: ascBox.checked ? "asc" : "",
    });
  });
  const thead = h("thead");
  const tbody = h("tbody");
  const pager = h("div", { class: "pager" });
  const errorBox = h("div");
  /** The search as POST /jobs/bulk takes it. */
  const bulkFilter = Object.fromEntries(
    FILTERS.filter((key) => key !== "sort" && key !== "order" && filters[key]).map((key) => [
      WIRE_NAME[key] ?? key,
      key === "id" ? (filters[key] ?? "").toLowerCase() : filters[key],
    ]),
  );
  replace(
    root,
    pageHead(t("jobs.title")),
    tabs,
    form,
    bulkBar(bulkFilter, ctx, () => load()),
    errorBox,
    h("div", { class: "table-wrap" }, h("table", { class: "table jobs" }, thead, tbody)),
    pager,
  );

  /** Created and duration sort on the server; a click on the current key flips its order. */
  function renderHead() {
    const current = filters.sort || "created";
    replace(thead, h("tr", {}, ...cols.map((col) => headCell(col, current))));
  }

  /** @param {Column} col @param {string} current */
  function headCell(col, current) {
    const cls = col.num ? "num" : "";
    if (!SORTS.includes(col.key)) return h("th", { scope: "col", class: cls }, col.label);
    const asc = filters.order === "asc";
    const dir = current === col.key ? (asc ? "ascending" : "descending") : "none";
    const order = current === col.key && !asc ? "asc" : "";
    const link = h(
      "a",
      {
        class: "sort",
        title: t("jobs.sort", { column: col.label }),
        href: href("/jobs", { ...search(), sort: col.key === "created" ? "" : col.key, order }),
      },
      col.label,
      h(
        "span",
        { class: "sort-mark", "aria-hidden": "true" },
        { ascending: " ▲", descending: " ▼", none: "" }[dir],
      ),
    );
    return h("th", { scope: "col", "aria-sort": dir, class: cls }, link);
  }

  function renderRows() {
    if (!jobs.length) {
      replace(tbody, h("tr", {}, h("td", { colspan: String(cols.length), class: "empty" }, t("jobs.empty"))));
      return;
    }
    replace(
      tbody,
      ...jobs.map((job) =>
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
      // "" is the tab of every state.
      ...["", ...JOB_STATES].map((state) => {
        const count = state ? (counts[state] ?? 0) : Object.values(counts).reduce((a, b) => a + b, 0);
        const current = state === filters.state;
        return h(
          "a",
          {
            href: href("/jobs", { ...search(), state }),
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
    const query = search();
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
    for (const key of [...FILTERS, "cursor"]) {
      const value = filters[key];
      if (value) params.set(WIRE_NAME[key] ?? key, key === "id" ? value.toLowerCase() : value);
    }
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
