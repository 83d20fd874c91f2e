/** The systems a run can select by name, made fresh for every scenario. */
import { BullmqSystem } from "./bullmq.ts";
import { FlowySystem } from "./flowy.ts";
import { GraphileWorkerSystem } from "./graphile-worker.ts";
import { PgBossSystem } from "./pg-boss.ts";
import type { QueueSystem } from "./queue-system.ts";

export const SYSTEM_NAMES = ["flowy-sqlite", "flowy-postgres", "bullmq", "pg-boss", "graphile-worker"];

export interface RegistryOptions {
  postgres: boolean;
  redis: boolean;
  serverNodeArgs: string[];
}

export function makeSystems(names: string[], options: RegistryOptions): QueueSystem[] {
  const make: Record<string, () => QueueSystem | undefined> = {
    "flowy-sqlite": () => new FlowySystem({ db: "sqlite", serverNodeArgs: options.serverNodeArgs }),
    "flowy-postgres": () =>
      options.postgres
        ? new FlowySystem({ db: "postgres", serverNodeArgs: options.serverNodeArgs })
        : undefined,
    bullmq: () => (options.redis ? new BullmqSystem() : undefined),
    "pg-boss": () => (options.postgres ? new PgBossSystem() : undefined),
    "graphile-worker": () => (options.postgres ? new GraphileWorkerSystem() : undefined),
  };
  return names.map((name) => make[name]!()).filter((s): s is QueueSystem => s !== undefined);
}
