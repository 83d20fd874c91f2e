/**
 * Words, dates and durations in the page's language. The language is the user's choice (kept
 * in localStorage), else the server's (--dashboard-lang, or picked from Accept-Language).
 */
import { MESSAGES } from "./messages.js";

/** @typedef {"en" | "ja"} Lang */

/** @type {Lang} */
let lang = "en";

/** @param {Lang} next */
export function setLang(next) {
  lang = next;
  document.documentElement.lang = next;
}

export function getLang() {
  return lang;
}

/**
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars = {}) {
  const table = /** @type {Record<string, string>} */ (MESSAGES[lang]);
  const text = table[key] ?? /** @type {Record<string, string>} */ (MESSAGES.en)[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? `{${name}}`));
}

/** @param {string | null | undefined} iso */
export function formatTime(iso) {
  if (!iso) return t("none");
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "medium" }).format(new Date(iso));
}

/** @param {Date} date */
export function formatClock(date) {
  return new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" }).format(date);
}

/** "3 minutes ago" / "3 分前", from the browser's clock. @param {string | null | undefined} iso */
export function formatAgo(iso) {
  if (!iso) return t("none");
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, "second");
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), "hour");
  return rtf.format(Math.round(seconds / 86_400), "day");
}

const UNITS = {
  en: { h: "h", m: "m", s: "s" },
  ja: { h: "時間", m: "分", s: "秒" },
};

/** @param {number | null | undefined} ms */
export function formatDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return t("none");
  const u = UNITS[lang];
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}${u.s}`;
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return hours > 0 ? `${hours}${u.h} ${minutes}${u.m}` : `${minutes}${u.m} ${seconds}${u.s}`;
}

/** Time between two ISO instants, or up to now when the second is missing. */
export function spanMs(
  /** @type {string | null | undefined} */ from,
  /** @type {string | null | undefined} */ to,
) {
  if (!from) return null;
  return (to ? new Date(to).getTime() : Date.now()) - new Date(from).getTime();
}
