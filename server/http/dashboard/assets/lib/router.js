/**
 * Hash routes, so the server serves one page and any view can be bookmarked:
 * #/ overview, #/jobs?state=…&tag=…, #/jobs/<id>, #/workers, #/bundles, #/schedules,
 * #/paused-tags, #/limits.
 */

/** @typedef {"overview" | "jobs" | "job" | "workers" | "bundles" | "schedules" | "paused-tags" | "limits"} PageName */
/** @typedef {{page: PageName, id?: string, query: URLSearchParams}} Route */

/** The pages a one-part path names as itself (#/workers). @type {PageName[]} */
const SIMPLE_PAGES = ["jobs", "workers", "bundles", "schedules", "paused-tags", "limits"];

/** @returns {Route} */
export function currentRoute() {
  const [path = "", search = ""] = location.hash.replace(/^#/, "").split("?");
  const query = new URLSearchParams(search);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "jobs" && parts[1]) return { page: "job", id: parts[1], query };
  const page = SIMPLE_PAGES.find((p) => p === parts[0]);
  return { page: page ?? "overview", query };
}

/**
 * @param {string} path
 * @param {Record<string, string | undefined>} [query]
 */
export function href(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const search = params.toString();
  return `#${path}${search ? `?${search}` : ""}`;
}

/** @param {string} id */
export function jobHref(id) {
  return `#/jobs/${encodeURIComponent(id)}`;
}
