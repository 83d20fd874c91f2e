/** Claim attempts as the server's metrics count them: how tests see a long poll wait without polling. */
import { get } from "./http.ts";

/** How many claim attempts the server has made (empty ones too), from its metrics. */
export async function claimAttempts(url: string): Promise<number> {
  const text = (await get(`${url}/metrics`)).body as string;
  const line = text.split("\n").find((l) => l.startsWith("flowy_claim_duration_seconds_count "));
  return line ? Number(line.split(" ")[1]) : 0;
}

/** Resolves once the server made another claim attempt than `before` (the long poll is waiting). */
export async function nextAttempt(url: string, before: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await claimAttempts(url)) === before && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
