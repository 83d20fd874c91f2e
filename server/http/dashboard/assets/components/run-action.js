/** What every action button does around its call: one place for the disabling and the failure line. */
import { ApiError } from "../lib/api.js";
import { h } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { confirmDialog } from "./confirm.js";
import { icon } from "./icons.js";

/**
 * Runs `work` with `button` disabled, announces a failure (the server's message when it gave one),
 * then enables the button again and calls `after`, whether `work` succeeded or not.
 * @param {HTMLButtonElement} button
 * @param {import("../pages/page.js").PageContext} ctx
 * @param {() => void} after
 * @param {() => Promise<void>} work
 */
export async function runAction(button, ctx, after, work) {
  button.disabled = true;
  try {
    await work();
  } catch (error) {
    ctx.announce(t("action.failed", { message: error instanceof ApiError ? error.message : String(error) }));
  } finally {
    button.disabled = false;
    after();
  }
}

/**
 * A small button that runs `work` through runAction when clicked: `data-action` names it for
 * tests and styles, `iconName` draws its icon beside `label`; with `confirm`, only once the person
 * has said yes to that question.
 * @param {object} options
 * @param {string} options.action
 * @param {string} options.label
 * @param {string} options.iconName
 * @param {import("../pages/page.js").PageContext} options.ctx
 * @param {() => void} options.after
 * @param {() => Promise<void>} options.work
 * @param {string} [options.confirm]
 */
export function actionButton({ action, label, iconName, ctx, after, work, confirm }) {
  const button = h(
    "button",
    { type: "button", class: "button small", "data-action": action },
    icon(iconName),
    label,
  );
  button.addEventListener("click", async () => {
    if (confirm !== undefined && !(await confirmDialog(confirm))) return;
    await runAction(button, ctx, after, work);
  });
  return button;
}
