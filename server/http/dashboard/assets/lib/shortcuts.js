/** Keyboard shortcuts: g o / g j / g w / g s / g p / g l to move between pages, / to filter, ? for help. */
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { infoDialog } from "../components/confirm.js";

const GO = { o: "#/", j: "#/jobs", w: "#/workers", s: "#/schedules", p: "#/paused-tags", l: "#/limits" };

function showHelp() {
  const rows = [
    ["g o", "shortcuts.overview"],
    ["g j", "shortcuts.jobs"],
    ["g w", "shortcuts.workers"],
    ["g s", "shortcuts.schedules"],
    ["g p", "shortcuts.paused"],
    ["g l", "shortcuts.limits"],
    ["/", "shortcuts.search"],
    ["?", "shortcuts.help"],
  ];
  infoDialog(
    t("shortcuts.title"),
    h(
      "dl",
      { class: "shortcuts" },
      ...rows.flatMap(([keys, text]) => [h("dt", {}, h("kbd", {}, keys ?? "")), h("dd", {}, t(text ?? ""))]),
    ),
  );
}

export function installShortcuts() {
  let pendingG = 0;
  document.addEventListener("keydown", (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (event.ctrlKey || event.metaKey || event.altKey || target.closest("input, textarea, select, dialog"))
      return;
    if (pendingG && Date.now() - pendingG < 1500 && event.key in GO) {
      location.hash = GO[/** @type {keyof typeof GO} */ (event.key)];
      pendingG = 0;
      event.preventDefault();
      return;
    }
    pendingG = event.key === "g" ? Date.now() : 0;
    if (event.key === "/") {
      const input = /** @type {HTMLInputElement | null} */ (document.querySelector("main input"));
      if (input) {
        event.preventDefault();
        input.focus();
      }
    } else if (event.key === "?") showHelp();
  });
}
