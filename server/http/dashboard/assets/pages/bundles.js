/**
 * Bundles: every stored name with its versions (size, tags, who uploaded when), which version
 * each worker has (or why its install failed), and the upload/delete history.
 */
import { call } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { tagChips } from "../components/badges.js";
import { dataTable, emptyRow, fillPage, keepFresh, when } from "./page.js";

/** @param {number} bytes */
function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * Versions by name, in upload order (as the server lists them): the last is the latest, since
 * an upload must raise the version.
 * @param {Array<Record<string, any>>} bundles
 */
function byName(bundles) {
  /** @type {Map<string, Array<Record<string, any>>>} */
  const names = new Map();
  for (const b of bundles) names.set(b.name, [...(names.get(b.name) ?? []), b]);
  return names;
}

/** @param {Record<string, any>} version @param {boolean} latest */
function versionItem(version, latest) {
  return h(
    "li",
    { "data-version": version.version },
    h("code", {}, version.version),
    latest ? h("span", { class: "chip" }, t("bundles.latest")) : null,
    ` ${size(version.size)} · `,
    when(version.created_at),
    version.uploaded_by ? ` · ${version.uploaded_by}` : "",
  );
}

/** @param {string} name @param {Array<Record<string, any>>} workers */
function workerItems(name, workers) {
  const items = workers.flatMap((w) =>
    (w.bundles ?? [])
      .filter((/** @type {Record<string, any>} */ b) => b.name === name)
      .map((/** @type {Record<string, any>} */ b) =>
        h(
          "li",
          { class: b.status, "data-worker-id": w.id },
          h("code", {}, w.id),
          ` ${b.version} `,
          b.status === "installed"
            ? h("span", { class: "status active" }, t("bundles.installed"))
            : h(
                "span",
                { class: "status lost", title: b.error ?? "" },
                t("bundles.failed", { error: b.error ?? "" }),
              ),
        ),
      ),
  );
  return items.length ? h("ul", { class: "plain" }, ...items) : h("span", { class: "muted" }, t("none"));
}

/** @param {string} name @param {Array<Record<string, any>>} versions @param {Array<Record<string, any>>} workers */
function bundleRow(name, versions, workers) {
  const latest = versions[versions.length - 1];
  return h(
    "tr",
    { "data-bundle": name },
    h("td", { "data-label": t("bundles.col.name") }, h("code", {}, name)),
    h(
      "td",
      { "data-label": t("bundles.col.versions") },
      h("ul", { class: "plain" }, ...[...versions].reverse().map((v) => versionItem(v, v === latest))),
    ),
    h(
      "td",
      { "data-label": t("bundles.col.tags") },
      latest.tags.length ? tagChips(latest.tags) : h("span", { class: "muted" }, t("bundles.all_workers")),
    ),
    h("td", { "data-label": t("bundles.col.workers") }, workerItems(name, workers)),
  );
}

/** @param {Record<string, any>} e */
function eventRow(e) {
  return h(
    "tr",
    {},
    h("td", { "data-label": t("bundles.col.at") }, when(e.at)),
    h("td", { "data-label": t("bundles.col.action") }, t(`bundles.action.${e.action}`)),
    h("td", { "data-label": t("bundles.col.bundle") }, h("code", {}, `${e.name}@${e.version}`)),
    h("td", { "data-label": t("bundles.col.by") }, e.key_name ?? "-"),
    h("td", { "data-label": t("bundles.col.from") }, e.address ?? "-"),
  );
}

/**
 * @param {HTMLElement} root
 * @param {import("./page.js").PageContext} ctx
 */
export function mountBundles(root, ctx) {
  const tbody = h("tbody");
  const history = h("tbody");
  const errorBox = fillPage(
    root,
    t("bundles.title"),
    dataTable("bundles", ["name", "versions", "tags", "workers"], tbody),
    h("h2", {}, t("bundles.history")),
    dataTable("bundles", ["at", "action", "bundle", "by", "from"], history),
  );
  const load = async () => {
    const [{ bundles }, { workers }, { events }] = await Promise.all([
      call("/bundles"),
      call("/workers"),
      call("/bundle-history?limit=20"),
    ]);
    const names = byName(bundles);
    if (names.size === 0) replace(tbody, emptyRow(4, t("bundles.empty")));
    else replace(tbody, ...[...names].map(([name, versions]) => bundleRow(name, versions, workers)));
    if (events.length === 0) replace(history, emptyRow(5, t("bundles.no_history")));
    else replace(history, ...events.map(eventRow));
  };
  // Uploads and installs announce no change on the job stream: poll.
  return keepFresh({ load, ctx, errorBox, throttleMs: 2000, pollMs: 5_000, relevant: () => false });
}
