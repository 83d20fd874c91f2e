/** Whether the Redis that BullMQ needs answers PING; the run leaves BullMQ out (and says so) when not. */
import { Redis } from "ioredis";

export const REDIS_URL = process.env.FLOWY_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

export async function redisAvailable(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
