/**
 * Schedules: each one's cron and time zone, its next and last tick (with the job that tick
 * enqueued), whether it is paused; Pause / Resume / Trigger for a role the server lets call them.
 */
import { call } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { jobHref } from "../lib/router.js";
import { actionButton } from "../components/run-action.js";
import { dataTable, emptyRow, fillPage, keepFresh, when } from "./page.js";

const COLUMNS = ["name", "cron", "tz", "next", "last", "status", "actions"];

/**
 * @param {Record<string, any>} schedule
 * @param {import("./page.js").PageContext} ctx
 * @param {() => void} reload
 */
function scheduleButtons(schedule, ctx, reload) {
  const path = `/schedules/${encodeURIComponent(schedule.name)}`;
  const toggle = schedule.paused ? "resume" : "pause";
  const buttons = [];
  if (ctx.session.controls.includes(`${toggle}_schedule`))
    buttons.push(
      actionButton({
        action: toggle,
        label: t(`schedules.${toggle}`),
        iconName: schedule.paused ? "play" : "pause",
        ctx,
        after: reload,
        work: async () => {
          await call(`${path}/${toggle}`, { method: "POST" });
          ctx.announce(t(`schedules.${toggle}_done`, { name: schedule.name }));
        },
      }),
    );
  if (ctx.session.controls.includes("trigger_schedule"))
    buttons.push(
      actionButton({
        action: "trigger",
        label: t("schedules.trigger"),
        iconName: "bolt",
        ctx,
        after: reload,
        work: async () => {
          const job = await call(`${path}/trigger`, { method: "POST" });
          ctx.announce(t("schedules.trigger_done", { name: schedule.name, id: job.id }));
        },
      }),
    );
  return buttons.length ? h("span", { class: "row-actions" }, ...buttons) : null;
}

/**
 * @param {Record<string, any>} schedule
 * @param {import("./page.js").PageContext} ctx
 * @param {() => void} reload
 */
function scheduleRow(schedule, ctx, reload) {
  const status = schedule.paused ? "paused" : "active";
  return h(
    "tr",
    { "data-schedule": schedule.name, "data-paused": String(schedule.paused) },
    h("td", { "data-label": t("schedules.col.name") }, h("code", {}, schedule.name)),
    h("td", { "data-label": t("schedules.col.cron") }, h("code", {}, schedule.cron)),
    h("td", { "data-label": t("schedules.col.tz") }, schedule.tz),
    h(
      "td",
      { "data-label": t("schedules.col.next"), class: "next" },
      schedule.paused
        ? h("span", { class: "muted" }, t("schedules.none_paused"))
        : when(schedule.next_tick_at),
    ),
    h(
      "td",
      { "data-label": t("schedules.col.last"), class: "last" },
      when(schedule.last_tick_at),
      schedule.last_job_id
        ? [" · ", h("a", { href: jobHref(schedule.last_job_id) }, t("schedules.last_job"))]
        : null,
    ),
    h(
      "td",
      { "data-label": t("schedules.col.status") },
      h("span", { class: `status ${status}` }, t(`schedules.${status}`)),
    ),
    h("td", { "data-label": t("schedules.col.actions") }, scheduleButtons(schedule, ctx, reload)),
  );
}

/**
 * @param {HTMLElement} root
 * @param {import("./page.js").PageContext} ctx
 */
export function mountSchedules(root, ctx) {
  const tbody = h("tbody");
  const errorBox = fillPage(root, t("schedules.title"), dataTable("schedules", COLUMNS, tbody));
  const load = async () => {
    const { schedules } = await call("/schedules");
    const reload = () => void load().catch(() => {});
    if (!schedules.length) replace(tbody, emptyRow(COLUMNS.length, t("schedules.empty")));
    else replace(tbody, ...schedules.map((/** @type {any} */ s) => scheduleRow(s, ctx, reload)));
  };
  // A tick enqueues a job (on the stream); pausing or a schedule made elsewhere is not: poll too.
  return keepFresh({
    load,
    ctx,
    errorBox,
    throttleMs: 2000,
    pollMs: 5_000,
    relevant: (c) => c.state === "pending",
  });
}
