/**
 * Hash routes, so the server serves one page and any view can be bookmarked:
 * #/ overview, #/jobs?state=…&tag=…, #/jobs/<id>, #/workers, #/bundles.
 */

/** @typedef {{page: "overview" | "jobs" | "job" | "workers" | "bundles", id?: string, query: URLSearchParams}} Route */

/** @returns {Route} */
export function currentRoute() {
  const [path = "", search = ""] = location.hash.replace(/^#/, "").split("?");
  const query = new URLSearchParams(search);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "jobs" && parts[1]) return { page: "job", id: parts[1], query };
  if (parts[0] === "jobs") return { page: "jobs", query };
  if (parts[0] === "workers") return { page: "workers", query };
  if (parts[0] === "bundles") return { page: "bundles", query };
  return { page: "overview", query };
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
