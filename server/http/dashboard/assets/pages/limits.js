/**
 * Concurrency limits: each declared pattern with its limit and how many jobs of the keys it
 * governs run and wait now, and the busiest keys themselves with the limit that holds them.
 */
import { call } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { dataTable, emptyRow, fillPage, keepFresh } from "./page.js";

const LIMIT_COLUMNS = ["pattern", "limit", "in_use", "waiting"];
const KEY_COLUMNS = ["key", "limit", "in_use", "waiting"];

/** @param {number} used @param {number} limit */
function usage(used, limit) {
  if (limit === null) return h("span", { class: "slots" }, String(used));
  const meter = h("meter", { min: "0", max: String(limit), value: String(Math.min(used, limit)) });
  return h("span", { class: "slots" }, meter, ` ${used}/${limit}`);
}

/**
 * A declared pattern with the sums over the keys whose limit it gives.
 * @param {{key: string, concurrency: number | null, rate: string | null}} limit
 * @param {Array<Record<string, any>>} keys
 */
function limitRow(limit, keys) {
  const governed = keys.filter((k) => k.limit_from === "declared" && k.pattern === limit.key);
  const inUse = governed.reduce((n, k) => n + k.in_use, 0);
  const waiting = governed.reduce((n, k) => n + k.waiting, 0);
  return h(
    "tr",
    { "data-pattern": limit.key },
    h("td", { "data-label": t("limits.col.pattern") }, h("code", {}, limit.key)),
    h(
      "td",
      { "data-label": t("limits.col.limit"), class: "limit" },
      // A pattern may cap running jobs, starts per window (rate, e.g. 100/min), or both.
      [limit.concurrency === null ? "" : t("limits.per_key", { n: limit.concurrency }), limit.rate ?? ""]
        .filter(Boolean)
        .join(", "),
    ),
    h("td", { "data-label": t("limits.col.in_use"), class: "in-use" }, String(inUse)),
    h("td", { "data-label": t("limits.col.waiting"), class: "waiting" }, String(waiting)),
  );
}

/** @param {Record<string, any>} key */
function keyRow(key) {
  const from =
    key.limit_from === "declared"
      ? t("limits.from_pattern", { pattern: key.pattern })
      : t(`limits.from_${key.limit_from}`);
  return h(
    "tr",
    { "data-key": key.key },
    h("td", { "data-label": t("limits.col.key") }, h("code", {}, key.key)),
    h(
      "td",
      { "data-label": t("limits.col.limit"), class: "limit" },
      key.limit === null ? "–" : String(key.limit),
      " ",
      h("span", { class: "muted" }, from),
    ),
    h("td", { "data-label": t("limits.col.in_use"), class: "in-use" }, usage(key.in_use, key.limit)),
    h("td", { "data-label": t("limits.col.waiting"), class: "waiting" }, String(key.waiting)),
  );
}

/**
 * @param {HTMLElement} root
 * @param {import("./page.js").PageContext} ctx
 */
export function mountLimits(root, ctx) {
  const limitsBody = h("tbody");
  const keysBody = h("tbody");
  const errorBox = fillPage(
    root,
    t("limits.title"),
    dataTable("limits", LIMIT_COLUMNS, limitsBody),
    h("h2", {}, t("limits.keys")),
    dataTable("limits", KEY_COLUMNS, keysBody),
  );
  const load = async () => {
    const [{ limits }, { keys }] = await Promise.all([call("/limits"), call("/concurrency-keys")]);
    if (!limits.length) replace(limitsBody, emptyRow(LIMIT_COLUMNS.length, t("limits.empty")));
    else replace(limitsBody, ...limits.map((/** @type {any} */ l) => limitRow(l, keys)));
    if (!keys.length) replace(keysBody, emptyRow(KEY_COLUMNS.length, t("limits.no_keys")));
    else replace(keysBody, ...keys.map(keyRow));
  };
  // Jobs starting and ending change the counts; a limit set elsewhere is not on the stream: poll too.
  return keepFresh({ load, ctx, errorBox, throttleMs: 2000, pollMs: 5_000 });
}
