import { describe, expect, it } from "vitest";
import { pickLanguage } from "../../../server/http/dashboard/language.ts";

describe("dashboard language", () => {
  it("uses a fixed setting whatever the browser asks", () => {
    expect(pickLanguage("ja", "en-US,en;q=0.9")).toBe("ja");
    expect(pickLanguage("en", "ja")).toBe("en");
  });

  it("picks the browser's most preferred supported language on auto", () => {
    expect(pickLanguage("auto", "ja-JP,ja;q=0.9,en;q=0.8")).toBe("ja");
    expect(pickLanguage("auto", "fr-FR,fr;q=0.9,ja;q=0.5,en;q=0.4")).toBe("ja");
    expect(pickLanguage("auto", "en;q=0.5, ja;q=0.8")).toBe("ja");
    expect(pickLanguage("auto", "ja;q=0, en")).toBe("en");
  });

  it("falls back to English", () => {
    expect(pickLanguage("auto", undefined)).toBe("en");
    expect(pickLanguage("auto", "de-DE")).toBe("en");
    expect(pickLanguage("auto", "*")).toBe("en");
  });
});
