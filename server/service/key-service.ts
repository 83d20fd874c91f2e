/**
 * API keys: created once and shown once, stored only as a sha256 hash (keys are 256 random bits,
 * so a fast hash is enough), compared in constant time. Knows nothing of HTTP.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { FlowyError } from "../../shared/errors.ts";
import { keysCommandLine } from "../model/keys-command-line.ts";
import type { ApiKeyRecord, Role } from "../model/records.ts";
import type { Store } from "../store/store.ts";
import type { Clock } from "./clock.ts";

export const ROLES: Role[] = ["admin", "client", "worker"];
const KEY_PREFIX = "flowy_";
const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** last_used_at is written at most this often per key, so authentication costs no write per request. */
const TOUCH_EVERY_MS = 60_000;
/** How long "are there any keys?" is cached; keys made by the CLI are seen within this. */
const KEY_COUNT_TTL_MS = 2_000;

export interface KeyServiceOptions {
  /**
   * Keys are required from the start, whatever the key table holds (a server that listens beyond
   * loopback). Without it the server runs open until the first key exists.
   */
  requireKeys?: boolean;
}

/** How an operator makes a new admin key without the API, e.g. after revoking the last one. */
export function offlineAdminKeyHint(db = "DB"): string {
  return `create an admin key on the server's machine with: flowy-server keys create --db ${db} --role admin --name NAME`;
}

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export class KeyService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly touched = new Map<string, number>();
  private anyKeys: { value: boolean; at: number } | undefined;
  /**
   * Once keys are required they stay required for the life of the process: revoking the last key
   * must never turn a keyed server into an open one (anyone could then mint an admin key).
   */
  private keysRequired: boolean;

  constructor(store: Store, clock: Clock, options: KeyServiceOptions = {}) {
    this.store = store;
    this.clock = clock;
    this.keysRequired = options.requireKeys ?? false;
  }

  async create(name: string, role: Role): Promise<{ key: string; record: ApiKeyRecord }> {
    if (!NAME_PATTERN.test(name)) {
      throw new FlowyError(
        "invalid-request",
        `Key name "${name}" is not allowed`,
        "Use 1-64 letters, digits, '.', '_' or '-'.",
      );
    }
    if (!ROLES.includes(role)) {
      throw new FlowyError("invalid-request", `Unknown role "${role}"`, `Roles are: ${ROLES.join(", ")}.`);
    }
    if ((await this.store.listApiKeys()).some((k) => k.name === name)) {
      throw new FlowyError(
        "invalid-request",
        `A key named "${name}" already exists`,
        `Revoke it first (${keysCommandLine(`revoke ${name}`)}) or pick another name.`,
      );
    }
    const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
    const record = await this.store.insertApiKey({
      name,
      role,
      keyHash: hashKey(key),
      prefix: key.slice(0, KEY_PREFIX.length + 6),
      createdAt: this.clock(),
      lastUsedAt: null,
      revokedAt: null,
    });
    this.keysRequired = true;
    return { key, record };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.store.listApiKeys();
  }

  async revoke(name: string): Promise<void> {
    if (!(await this.store.revokeApiKey(name, this.clock()))) {
      throw new FlowyError(
        "not-found",
        `No active key is named "${name}"`,
        `List keys with: ${keysCommandLine("list")}`,
      );
    }
  }

  /** Whether any active key is left; with none, a keyed server can only be reached with a new one. */
  async anyActive(): Promise<boolean> {
    return (await this.store.listApiKeys()).length > 0;
  }

  /**
   * Whether requests need a key. An open server (loopback, or --insecure-no-auth) closes for good
   * when its first key appears, including one made offline by the CLI (seen within the cache TTL).
   */
  async authRequired(): Promise<boolean> {
    if (this.keysRequired) return true;
    const now = this.clock();
    if (!this.anyKeys || now - this.anyKeys.at > KEY_COUNT_TTL_MS) {
      this.anyKeys = { value: await this.anyActive(), at: now };
    }
    if (this.anyKeys.value) this.keysRequired = true;
    return this.keysRequired;
  }

  /** The key's record when the key is valid, else undefined. */
  async authenticate(key: string): Promise<ApiKeyRecord | undefined> {
    if (!key.startsWith(KEY_PREFIX)) return undefined;
    const presented = hashKey(key);
    const record = await this.store.findApiKeyByHash(presented);
    if (!record || !timingSafeEqual(Buffer.from(record.keyHash, "hex"), Buffer.from(presented, "hex")))
      return undefined;
    const now = this.clock();
    if (now - (this.touched.get(record.name) ?? 0) > TOUCH_EVERY_MS) {
      this.touched.set(record.name, now);
      await this.store.touchApiKey(record.name, now);
    }
    return record;
  }
}
