/**
 * State badges and tag chips. The states and each one's icon name come from shared/states.ts,
 * which the server sends with the session (useStateTable); the icons are drawn as SVG (icons.js).
 */
import { h } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { STATE_ICON_NAMES, stateIcon } from "./icons.js";

/** Every job state, in the state module's order. @type {string[]} */
export const JOB_STATES = [];

/** @param {{states: string[], icons: Record<string, string>}} session */
export function useStateTable(session) {
  Object.assign(STATE_ICON_NAMES, session.icons);
  JOB_STATES.splice(0, JOB_STATES.length, ...session.states);
}

/** @param {string} state */
export function stateBadge(state) {
  return h(
    "span",
    { class: `badge st-${state}`, "data-state": state },
    stateIcon(state),
    t(`state.${state}`),
  );
}

/** @param {string[]} tags */
export function tagChips(tags) {
  if (!tags.length) return h("span", { class: "muted" }, t("none"));
  return h("span", { class: "chips" }, ...tags.map((tag) => h("span", { class: "chip" }, tag)));
}
