/** The dashboard's language: fixed by --dashboard-lang, or picked from the browser's Accept-Language. */

export const DASHBOARD_LANGS = ["en", "ja"] as const;
export type DashboardLang = (typeof DASHBOARD_LANGS)[number];
export type DashboardLangSetting = DashboardLang | "auto";
export const DASHBOARD_LANG_SETTINGS: DashboardLangSetting[] = ["auto", ...DASHBOARD_LANGS];

/** The best supported language for an Accept-Language header ("ja-JP,ja;q=0.9,en;q=0.8"); English by default. */
export function pickLanguage(
  setting: DashboardLangSetting,
  acceptLanguage: string | undefined,
): DashboardLang {
  if (setting !== "auto") return setting;
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().toLowerCase().split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { lang: tag.split("-")[0] ?? "", q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const match = ranked.find((entry) => (DASHBOARD_LANGS as readonly string[]).includes(entry.lang));
  return (match?.lang as DashboardLang | undefined) ?? "en";
}
