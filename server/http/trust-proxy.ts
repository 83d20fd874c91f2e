/**
 * Which peers may speak for the client through X-Forwarded-For and X-Forwarded-Proto: addresses
 * or CIDR ranges of the reverse proxies, or how many proxy hops to believe. Without it the peer
 * address is the client, so behind a proxy every request would seem to come from the proxy (one
 * failed-auth limit for everyone) and over plain HTTP (no Secure dashboard cookie).
 */
export type TrustProxy = string[] | number;

/** `--trust-proxy` text: a hop count, or addresses / CIDR ranges separated by commas. */
export function parseTrustProxy(value: string): TrustProxy {
  if (/^\d+$/.test(value.trim())) return Number(value);
  const entries = value.split(",").map((entry) => entry.trim());
  const bad = entries.find((entry) => !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(entry));
  if (bad !== undefined) {
    throw new Error(`"${bad}" is not an address or CIDR range (e.g. 127.0.0.1,10.0.0.0/8), nor a hop count`);
  }
  return entries;
}

/** What fastify takes: a hop count becomes "believe the nearest `hops` proxies". */
export function trustProxyOption(trust: TrustProxy | undefined) {
  if (trust === undefined) return false;
  if (typeof trust === "number") return (_address: string, hop: number) => hop < trust;
  return trust;
}
