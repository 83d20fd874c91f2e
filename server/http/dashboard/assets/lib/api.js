/**
 * Calls to the flowy API. The API key, when the server has keys, travels in the HttpOnly cookie
 * the login set: scripts here never see it. A 401 tells the app to show the login form.
 */

export const API = "/api/v1";

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{detail?: string, hint?: string, code?: string, title?: string}} problem
   */
  constructor(status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.hint = problem.hint;
    this.code = problem.code;
  }
}

/**
 * @param {Response} response
 * @returns {Promise<Response>}
 */
async function checked(response) {
  if (response.ok) return response;
  const problem = await response.json().catch(() => ({}));
  if (response.status === 401) window.dispatchEvent(new CustomEvent("flowy:unauthorized"));
  throw new ApiError(response.status, problem);
}

/**
 * A JSON call; `path` is below /api/v1 unless it starts with "//" (a server path).
 * @param {string} path
 * @param {{method?: string, headers?: Record<string, string>}} [init]
 * @returns {Promise<any>}
 */
export async function call(path, init = {}) {
  const url = path.startsWith("//") ? path.slice(1) : `${API}${path}`;
  const response = await checked(
    await fetch(url, { method: init.method ?? "GET", headers: init.headers, credentials: "same-origin" }),
  );
  return response.status === 204 ? null : response.json();
}

/**
 * A job's log from `offset` as text, with the log's full length and the attempt it belongs to.
 * @param {string} id
 * @param {number | undefined} attempt
 * @param {number} offset
 */
export async function readLog(id, attempt, offset) {
  const query = new URLSearchParams({ offset: String(offset) });
  if (attempt) query.set("attempt", String(attempt));
  const response = await checked(await fetch(`${API}/jobs/${encodeURIComponent(id)}/logs?${query}`));
  return {
    text: await response.text(),
    length: Number(response.headers.get("flowy-log-length") ?? 0),
    attempt: Number(response.headers.get("flowy-log-attempt") ?? attempt ?? 1),
  };
}
