/**
 * A real TCP proxy between daemons and a server, for fault tests: it can add latency to the
 * server's answers and black-hole what clients send (requests vanish; connections stay open).
 */
import { createServer, type Server, type Socket, connect } from "node:net";
import { onTestFinished } from "vitest";

export interface FaultProxy {
  url: string;
  /** Milliseconds added to every chunk the server sends back. */
  answerDelayMs: number;
  /** While set, what clients send is dropped. */
  blackhole: boolean;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    url: "",
    answerDelayMs: 0,
    blackhole: false,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((client) => {
    const up = connect(Number(upstream.port), upstream.hostname);
    sockets.add(client).add(up);
    client.on("data", (chunk) => {
      if (!proxy.blackhole) up.write(chunk);
    });
    up.on("data", (chunk) => {
      setTimeout(() => client.writable && client.write(chunk), proxy.answerDelayMs);
    });
    const end = () => {
      client.destroy();
      up.destroy();
      sockets.delete(client);
      sockets.delete(up);
    };
    client.on("close", end).on("error", end);
    up.on("close", () => setTimeout(end, proxy.answerDelayMs)).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("proxy has no port");
  proxy.url = `http://127.0.0.1:${address.port}`;
  onTestFinished(() => proxy.close());
  return proxy;
}
