/** What every scenario receives from the runner. */
import { settleDisk } from "../lib/settle.ts";
import type { Sizes } from "../lib/sizes.ts";
import type { QueueSystem } from "../systems/queue-system.ts";

export interface ScenarioContext {
  sizes: Sizes;
  /** The systems selected for this run, made fresh for each scenario. */
  systems: () => QueueSystem[];
  serverNodeArgs: string[];
  postgres: boolean;
  log: (line: string) => void;
}

/** Starts a system, runs `body`, and always stops it (a peer that fails to start is reported, not fatal). */
export async function withSystem<T>(system: QueueSystem, body: () => Promise<T>): Promise<T> {
  await settleDisk();
  await system.start();
  try {
    return await body();
  } finally {
    await system.stop();
  }
}
