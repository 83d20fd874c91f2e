/**
 * "Requeue / Cancel / Delete all N matching": acts on every job the Jobs page's search matches,
 * on the server (POST /jobs/bulk). Counts first and asks with the count, then shows the progress
 * until the action ends. Shown only for actions the session's role may take.
 */
import { call } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { confirmDialog } from "./confirm.js";
import { runAction } from "./run-action.js";

const ACTIONS = /** @type {const} */ (["requeue", "cancel", "delete"]);
const PROGRESS_EVERY_MS = 500;

/**
 * @param {Record<string, string | string[]>} filter the search, as POST /jobs/bulk's `filter`
 * @param {import("../pages/page.js").PageContext} ctx
 * @param {() => void} after called when an action ends
 */
export function bulkBar(filter, ctx, after) {
  const status = h("span", { class: "muted bulk-status", role: "status" });
  const allowed = ACTIONS.filter((name) => ctx.session.actions[name]);
  const buttons = allowed.map((name) => {
    const button = /** @type {HTMLButtonElement} */ (
      h(
        "button",
        { type: "button", class: `button subtle ${name === "requeue" ? "" : "danger"}`, "data-bulk": name },
        t(`bulk.${name}`),
      )
    );
    button.addEventListener("click", () => run(name, button));
    return button;
  });

  /** @param {(typeof ACTIONS)[number]} action @param {HTMLButtonElement} button */
  async function run(action, button) {
    await runAction(button, ctx, after, async () => {
      const counted = await call("/jobs/bulk", { method: "POST", body: { action, filter, dry_run: true } });
      if (counted.matched === 0) {
        replace(status, t("jobs.empty"));
        return;
      }
      const n = counted.matched.toLocaleString();
      if (!(await confirmDialog(t(`bulk.confirm.${action}`, { n })))) return;
      let progress = await call("/jobs/bulk", { method: "POST", body: { action, filter } });
      while (progress.state === "running") {
        replace(status, t("bulk.progress", { done: progress.done, n: progress.matched }));
        await new Promise((resolve) => setTimeout(resolve, PROGRESS_EVERY_MS));
        progress = await call(`/jobs/bulk/${progress.id}`);
      }
      const summary = t("bulk.done", {
        changed: progress.changed,
        n: progress.matched,
        refused: progress.refused,
      });
      replace(status, summary);
      ctx.announce(summary);
    });
  }

  return h("div", { class: "bulk-bar" }, ...buttons, status);
}
