/**
 * The dashboard's entry: asks the server who we are (role, language), opens the live change
 * stream, draws the header and mounts the page the URL names. Without a valid key it shows the
 * sign-in form instead.
 */
import { useStateTable } from "./components/badges.js";
import { icon } from "./components/icons.js";
import { h, replace } from "./lib/dom.js";
import { setLang, t } from "./lib/i18n.js";
import { createLive } from "./lib/live.js";
import { applyTheme, loadPrefs, savePrefs } from "./lib/prefs.js";
import { currentRoute } from "./lib/router.js";
import { installShortcuts } from "./lib/shortcuts.js";
import { mountJob } from "./pages/job.js";
import { mountJobs } from "./pages/jobs.js";
import { mountLogin } from "./pages/login.js";
import { mountOverview } from "./pages/overview.js";
import { mountWorkers } from "./pages/workers.js";
import { mountBundles } from "./pages/bundles.js";
import { mountLimits } from "./pages/limits.js";
import { mountPausedTags } from "./pages/paused-tags.js";
import { mountSchedules } from "./pages/schedules.js";

/** The header's pages: [page, hash, message key], in the order shown. */
const NAV = [
  ["overview", "#/", "nav.overview"],
  ["jobs", "#/jobs", "nav.jobs"],
  ["workers", "#/workers", "nav.workers"],
  ["bundles", "#/bundles", "nav.bundles"],
  ["schedules", "#/schedules", "nav.schedules"],
  ["paused-tags", "#/paused-tags", "nav.paused"],
  ["limits", "#/limits", "nav.limits"],
];

const header = /** @type {HTMLElement} */ (document.getElementById("top"));
const main = /** @type {HTMLElement} */ (document.getElementById("main"));
const footer = /** @type {HTMLElement} */ (document.getElementById("bottom"));
const status = h("p", { class: "announce", role: "status", "aria-live": "polite" });

/** @type {import("./pages/page.js").Session | undefined} */
let session;
/** @type {ReturnType<typeof createLive> | undefined} */
let live;
/** @type {(() => void) | undefined} */
let unmount;
let connected = false;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let statusTimer;

const PAGES = {
  overview: mountOverview,
  jobs: mountJobs,
  job: mountJob,
  workers: mountWorkers,
  bundles: mountBundles,
  schedules: mountSchedules,
  "paused-tags": mountPausedTags,
  limits: mountLimits,
};

/** @param {string} message */
function announce(message) {
  status.textContent = message;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => (status.textContent = ""), 6000);
}

function browserLang() {
  return navigator.languages.some((l) => l.toLowerCase().startsWith("ja")) ? "ja" : "en";
}

function chooseLang() {
  const pref = loadPrefs().lang;
  setLang(pref !== "auto" ? pref : (session?.lang ?? browserLang()));
}

/** The skip link focuses the page body (a "#main" hash would be taken for a route). @param {Event} event */
function skipToMain(event) {
  event.preventDefault();
  main.focus();
}

function renderHeader() {
  const page = currentRoute().page;
  const link = (/** @type {string} */ target, /** @type {string} */ hash, /** @type {string} */ key) =>
    h(
      "a",
      {
        href: hash,
        "aria-current": page === target || (target === "jobs" && page === "job") ? "page" : false,
      },
      t(key),
    );
  const prefs = loadPrefs();
  const lang = h(
    "select",
    { id: "lang", "aria-label": t("lang.label") },
    h("option", { value: "auto" }, t("lang.auto")),
    h("option", { value: "en" }, "English"),
    h("option", { value: "ja" }, "日本語"),
  );
  lang.value = prefs.lang;
  lang.addEventListener("change", () => {
    savePrefs({ lang: /** @type {"auto" | "en" | "ja"} */ (lang.value) });
    chooseLang();
    rerender();
  });
  const themes = /** @type {const} */ (["auto", "light", "dark"]);
  const theme = h(
    "button",
    { type: "button", class: "button subtle", id: "theme", title: t(`theme.${prefs.theme}`) },
    icon(prefs.theme === "dark" ? "moon" : prefs.theme === "light" ? "sun" : "contrast"),
    h("span", { class: "sr-only" }, t(`theme.${prefs.theme}`)),
  );
  theme.addEventListener("click", () => {
    const next = themes[(themes.indexOf(loadPrefs().theme) + 1) % themes.length] ?? "auto";
    savePrefs({ theme: next });
    applyTheme(next);
    renderHeader();
  });
  const logout = session?.keys_required
    ? h("button", { type: "button", class: "button subtle", id: "logout" }, t("logout"))
    : null;
  logout?.addEventListener("click", async () => {
    await fetch("/dashboard/logout", { method: "POST" });
    location.reload();
  });
  replace(
    header,
    h("a", { class: "skip", href: "#main", on: { click: skipToMain } }, t("app.skip")),
    h(
      "a",
      { class: "brand", href: "#/" },
      h("img", { src: "/assets/favicon.svg", alt: "", width: "24", height: "24" }),
      "flowy",
    ),
    session
      ? h(
          "nav",
          { class: "nav", "aria-label": "flowy" },
          ...NAV.map(([target, hash, key]) => link(target, hash, key)),
        )
      : h("span"),
    h(
      "div",
      { class: "tools" },
      session
        ? h(
            "span",
            { class: `live ${connected ? "on" : "off"}`, id: "live" },
            connected ? t("live.on") : t("live.off"),
          )
        : null,
      h("span", { class: "lang-pick" }, icon("globe"), lang),
      theme,
      logout,
    ),
    status,
  );
  replace(
    footer,
    h("span", {}, `flowy ${session?.version ?? ""}`),
    h("span", { class: "muted" }, t("shortcuts.hint")),
  );
}

function mountPage() {
  unmount?.();
  unmount = undefined;
  if (!session || !live) return;
  const route = currentRoute();
  unmount = PAGES[route.page](main, { session, live, announce }, route);
  renderHeader();
}

function rerender() {
  renderHeader();
  if (session) mountPage();
  else mountLogin(main, start);
}

async function start() {
  const response = await fetch("/dashboard/session", { credentials: "same-origin" });
  if (response.status === 401 || response.status === 403) {
    session = undefined;
    chooseLang();
    renderHeader();
    mountLogin(main, start);
    return;
  }
  session = await response.json();
  useStateTable(/** @type {import("./pages/page.js").Session} */ (session));
  chooseLang();
  live?.close();
  live = createLive((on) => {
    connected = on;
    const badge = document.getElementById("live");
    if (badge) {
      badge.className = `live ${on ? "on" : "off"}`;
      badge.textContent = on ? t("live.on") : t("live.off");
    }
  });
  mountPage();
}

applyTheme(loadPrefs().theme);
installShortcuts();
window.addEventListener("hashchange", mountPage);
window.addEventListener("flowy:unauthorized", () => {
  void start();
});
void start();
