/**
 * Cancel / Requeue / Delete for one job: shown only when the session's role may call them and the
 * job's state allows them (both told by the server), each behind a confirmation.
 */
import { call } from "../lib/api.js";
import { h } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { confirmDialog } from "../components/confirm.js";
import { runAction } from "../components/run-action.js";

/** @type {Record<"cancel" | "requeue" | "delete", {method: string, path: (id: string) => string, danger: boolean}>} */
const ACTIONS = {
  cancel: { method: "POST", path: (id) => `/jobs/${encodeURIComponent(id)}/cancel`, danger: true },
  requeue: { method: "POST", path: (id) => `/jobs/${encodeURIComponent(id)}/requeue`, danger: false },
  delete: { method: "DELETE", path: (id) => `/jobs/${encodeURIComponent(id)}`, danger: true },
};

/**
 * @param {Record<string, any>} job
 * @param {import("./page.js").PageContext} ctx
 * @param {() => void} after
 */
export function actionButtons(job, ctx, after) {
  const names = /** @type {Array<keyof typeof ACTIONS>} */ (Object.keys(ACTIONS));
  const allowed = names.filter((name) => ctx.session.actions[name]?.includes(job.state));
  return h(
    "div",
    { class: "actions" },
    ...allowed.map((name) => {
      const action = ACTIONS[name];
      const button = h(
        "button",
        { type: "button", class: `button ${action.danger ? "danger" : ""}`, "data-action": name },
        t(`action.${name}`),
      );
      button.addEventListener("click", async () => {
        if (!(await confirmDialog(t(`confirm.${name}`, { name: job.name })))) return;
        await runAction(button, ctx, after, async () => {
          const updated = await call(action.path(job.id), { method: action.method });
          ctx.announce(t("action.done", { state: t(`state.${updated.state}`) }));
        });
      });
      return button;
    }),
  );
}
