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

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export class KeyService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly touched = new Map<string, number>();
  private anyKeys: { value: boolean; at: number } | undefined;

  constructor(store: Store, clock: Clock) {
    this.store = store;
    this.clock = clock;
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
    this.anyKeys = undefined;
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
    this.anyKeys = undefined;
  }

  /** Whether any key exists: without keys the server runs open, on loopback only. */
  async authRequired(): Promise<boolean> {
    const now = this.clock();
    if (!this.anyKeys || now - this.anyKeys.at > KEY_COUNT_TTL_MS) {
      this.anyKeys = { value: (await this.store.listApiKeys()).length > 0, at: now };
    }
    return this.anyKeys.value;
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
