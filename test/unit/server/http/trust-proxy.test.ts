import { describe, expect, it } from "vitest";
import { parseTrustProxy, trustProxyOption } from "../../../../server/http/trust-proxy.ts";

describe("--trust-proxy", () => {
  it("takes addresses and CIDR ranges, or a hop count", () => {
    expect(parseTrustProxy("127.0.0.1, 10.0.0.0/8,::1")).toEqual(["127.0.0.1", "10.0.0.0/8", "::1"]);
    expect(parseTrustProxy("2")).toBe(2);
  });

  it("names what it cannot read", () => {
    expect(() => parseTrustProxy("10.0.0.1,proxy.internal")).toThrow(/"proxy.internal" is not an address/);
  });

  it("believes only the nearest hops of a hop count, and nothing by default", () => {
    const trust = trustProxyOption(1) as (address: string, hop: number) => boolean;
    expect([trust("10.0.0.1", 0), trust("10.0.0.2", 1)]).toEqual([true, false]);
    expect(trustProxyOption(undefined)).toBe(false);
  });
});
