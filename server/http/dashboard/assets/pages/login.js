/**
 * The sign-in form, shown when the server has API keys and the browser holds none. The key is
 * sent once as a bearer token; the server answers with an HttpOnly cookie that carries it after.
 */
import { h, replace } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

/**
 * @param {HTMLElement} root
 * @param {() => void} onSignedIn
 */
export function mountLogin(root, onSignedIn) {
  const input = h("input", {
    type: "password",
    id: "api-key",
    name: "key",
    required: true,
    autocomplete: "current-password",
    spellcheck: "false",
  });
  const message = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "panel login" },
    h("h1", {}, t("login.title")),
    h("p", { class: "muted" }, t("login.text")),
    h("label", { for: "api-key" }, t("login.key")),
    input,
    h("button", { class: "button primary", type: "submit" }, t("login.submit")),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch("/dashboard/login", {
      method: "POST",
      headers: { authorization: `Bearer ${input.value.trim()}` },
    });
    if (response.ok) {
      onSignedIn();
      return;
    }
    const problem = await response.json().catch(() => ({}));
    replace(message, t("login.failed", { message: problem.detail ?? response.statusText }));
    input.select();
  });
  replace(root, form);
  input.focus();
}
