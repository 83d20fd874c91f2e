/** A tiny JSON-over-HTTP helper for tests (the SDK has its own tests). */
export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function http<T = any>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult<T>> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // plain text (logs)
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

export const post = <T = any>(url: string, body?: unknown, headers?: Record<string, string>) =>
  http<T>("POST", url, body ?? {}, headers);
export const get = <T = any>(url: string) => http<T>("GET", url);
