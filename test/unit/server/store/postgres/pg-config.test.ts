import { describe, expect, it } from "vitest";
import { isPostgresUrl, parsePgUrl } from "../../../../../server/store/postgres/pg-config.ts";

describe("PostgreSQL --db URLs", () => {
  it("recognises postgres:// and postgresql:// URLs, and nothing else", () => {
    expect(isPostgresUrl("postgres://u@h/db")).toBe(true);
    expect(isPostgresUrl("postgresql://u@h/db")).toBe(true);
    expect(isPostgresUrl("/var/lib/flowy/flowy.db")).toBe(false);
  });

  it("takes flowy's schema parameter out of the URL and into the search_path", () => {
    const target = parsePgUrl("postgres://u:pw@db.example:6432/jobs?schema=flowy_prod&sslmode=require");
    expect(target.schema).toBe("flowy_prod");
    expect(target.connectionString).toBe("postgres://u:pw@db.example:6432/jobs?sslmode=require");
    expect(target.options).toBe("-c search_path=flowy_prod -c synchronous_commit=on");
    expect(parsePgUrl("postgres://u@h/db").schema).toBe("public");
  });

  it("keeps libpq options the URL already had", () => {
    const target = parsePgUrl("postgres://u@h/db?options=-c%20statement_timeout%3D5000");
    expect(target.options).toBe("-c statement_timeout=5000 -c search_path=public -c synchronous_commit=on");
  });

  it("refuses a schema that is not a plain identifier, with a hint", () => {
    expect(() => parsePgUrl("postgres://u@h/db?schema=a;drop")).toThrow(/not a plain lower-case identifier/);
    expect(() => parsePgUrl("postgres://u@h/db?schema=Jobs")).toThrow(/not a plain lower-case identifier/);
  });
});
