/** What every action button does around its call: one place for the disabling and the failure line. */
import { ApiError } from "../lib/api.js";
import { t } from "../lib/i18n.js";

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
