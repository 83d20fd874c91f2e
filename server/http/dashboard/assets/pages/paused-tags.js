/** Paused tags: which tags claims pass over and since when, with Resume for a role that may. */
import { call } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { href } from "../lib/router.js";
import { actionButton } from "../components/run-action.js";
import { dataTable, emptyRow, keepFresh, pageHead, when } from "./page.js";

const COLUMNS = ["tag", "since", "jobs", "actions"];

/**
 * @param {{tag: string, paused_at: string}} paused
 * @param {import("./page.js").PageContext} ctx
 * @param {() => void} reload
 */
function pausedRow(paused, ctx, reload) {
  const resume = ctx.session.controls.includes("resume_tag")
    ? actionButton({
        action: "resume",
        label: t("paused.resume"),
        iconName: "play",
        ctx,
        after: reload,
        work: async () => {
          await call(`/paused-tags/${encodeURIComponent(paused.tag)}`, { method: "DELETE" });
          ctx.announce(t("paused.resume_done", { tag: paused.tag }));
        },
      })
    : null;
  return h(
    "tr",
    { "data-tag": paused.tag },
    h("td", { "data-label": t("paused.col.tag") }, h("span", { class: "chip" }, paused.tag)),
    h("td", { "data-label": t("paused.col.since") }, when(paused.paused_at)),
    h(
      "td",
      { "data-label": t("paused.col.jobs") },
      h("a", { href: href("/jobs", { state: "pending", tag: paused.tag }) }, t("paused.pending_jobs")),
    ),
    h("td", { "data-label": t("paused.col.actions") }, resume),
  );
}

/**
 * @param {HTMLElement} root
 * @param {import("./page.js").PageContext} ctx
 */
export function mountPausedTags(root, ctx) {
  const tbody = h("tbody");
  const errorBox = h("div");
  replace(
    root,
    pageHead(t("paused.title")),
    h("p", { class: "muted" }, t("paused.intro")),
    errorBox,
    dataTable("paused", COLUMNS, tbody),
  );
  const load = async () => {
    const { paused_tags: paused } = await call("/paused-tags");
    const reload = () => void load().catch(() => {});
    if (!paused.length) replace(tbody, emptyRow(COLUMNS.length, t("paused.empty")));
    else replace(tbody, ...paused.map((/** @type {any} */ p) => pausedRow(p, ctx, reload)));
  };
  // A pause or resume announces no job change: poll.
  return keepFresh({ load, ctx, errorBox, throttleMs: 2000, pollMs: 5_000, relevant: () => false });
}
