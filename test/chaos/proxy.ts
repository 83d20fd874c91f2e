/**
 * A TCP proxy between the daemons and the server(s): it adds latency to every chunk each way,
 * and on request drops every open connection (as a flaky network or a load balancer restart
 * would). With several upstreams it spreads connections over those that are up.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface ChaosProxy {
  readonly port: number;
  /** Added to every chunk, each way (0 to turn it off). */
  setLatencyMs(ms: number): void;
  /** Destroys every open connection; answers how many. */
  dropAll(): number;
  setUpstreams(ports: number[]): void;
  close(): Promise<void>;
}

export async function startProxy(upstreams: number[]): Promise<ChaosProxy> {
  let latencyMs = 0;
  let targets = upstreams;
  let next = 0;
  const open = new Set<Socket>();
  const delay = (fn: () => void) => (latencyMs > 0 ? setTimeout(fn, latencyMs) : fn());
  const server: Server = createServer((client) => {
    const port = targets[next++ % targets.length]!;
    const upstream = createConnection({ host: "127.0.0.1", port });
    open.add(client);
    const close = () => {
      open.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk) => delay(() => upstream.write(chunk)));
    upstream.on("data", (chunk) => delay(() => client.write(chunk)));
    for (const socket of [client, upstream]) {
      socket.on("error", close);
      socket.on("close", close);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the proxy has no port");
  return {
    port: address.port,
    setLatencyMs: (ms) => {
      latencyMs = ms;
    },
    dropAll() {
      const n = open.size;
      for (const socket of [...open]) socket.destroy();
      return n;
    },
    setUpstreams(ports) {
      targets = ports;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
