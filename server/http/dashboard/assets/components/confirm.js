/** A modal confirmation (native <dialog>: focus is trapped, Escape cancels). */
import { h } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

/**
 * Resolves true when the person confirms.
 * @param {string} message
 * @returns {Promise<boolean>}
 */
export function confirmDialog(message) {
  return new Promise((resolve) => {
    const no = h("button", { type: "button", class: "button", value: "no" }, t("confirm.no"));
    const yes = h("button", { type: "submit", class: "button danger", value: "yes" }, t("confirm.yes"));
    const dialog = h(
      "dialog",
      { class: "dialog", "aria-labelledby": "confirm-text" },
      h(
        "form",
        { method: "dialog" },
        h("p", { id: "confirm-text" }, message),
        h("div", { class: "dialog-buttons" }, no, yes),
      ),
    );
    no.addEventListener("click", () => dialog.close("no"));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}

/**
 * A dialog that only shows content (the shortcuts help).
 * @param {string} title
 * @param {HTMLElement} body
 */
export function infoDialog(title, body) {
  const dialog = h(
    "dialog",
    { class: "dialog", "aria-label": title },
    h(
      "form",
      { method: "dialog" },
      h("h2", {}, title),
      body,
      h("div", { class: "dialog-buttons" }, h("button", { class: "button" }, t("close"))),
    ),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
