/** The person's choices (theme, language), kept in this browser only. */

const KEY = "flowy.dashboard";

/** @returns {{theme: "auto" | "light" | "dark", lang: "auto" | "en" | "ja"}} */
export function loadPrefs() {
  try {
    return { theme: "auto", lang: "auto", ...JSON.parse(localStorage.getItem(KEY) ?? "{}") };
  } catch {
    return { theme: "auto", lang: "auto" };
  }
}

/** @param {Partial<ReturnType<typeof loadPrefs>>} change */
export function savePrefs(change) {
  localStorage.setItem(KEY, JSON.stringify({ ...loadPrefs(), ...change }));
}

/** @param {"auto" | "light" | "dark"} theme */
export function applyTheme(theme) {
  if (theme === "auto") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}
