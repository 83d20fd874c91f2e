/**
 * A job's log that follows while the job runs: it fetches from the byte offset it has reached
 * whenever the page hears the log grew, and keeps to the bottom while "Follow" is on.
 */
import { readLog } from "../lib/api.js";
import { h, replace } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

const MAX_CHARS = 2_000_000;
const encoder = new TextEncoder();

/** @param {string} jobId */
export function createLogView(jobId) {
  let attempt = 1;
  let latest = 1;
  let pinned = false;
  let offset = 0;
  let busy = false;
  let again = false;
  const pre = h("pre", { class: "log", role: "log", tabindex: "0", "aria-label": t("job.logs") });
  const follow = h("input", { type: "checkbox", checked: true });
  const attemptSelect = h("select", { "aria-label": t("job.logs.attempt"), hidden: true });
  attemptSelect.addEventListener("change", () => {
    pinned = Number(attemptSelect.value) !== latest;
    switchTo(Number(attemptSelect.value));
  });
  follow.addEventListener("change", () => follow.checked && scrollDown());
  const el = h(
    "section",
    { class: "panel", "aria-labelledby": "logs-title" },
    h(
      "div",
      { class: "panel-head" },
      h("h2", { id: "logs-title" }, t("job.logs")),
      h(
        "div",
        { class: "log-tools" },
        attemptSelect,
        h("label", { class: "check" }, follow, t("job.logs.follow")),
      ),
    ),
    pre,
  );

  function scrollDown() {
    pre.scrollTop = pre.scrollHeight;
  }

  /** @param {number} next */
  function switchTo(next) {
    attempt = next;
    offset = 0;
    replace(pre);
    void refresh();
  }

  async function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const log = await readLog(jobId, attempt, offset);
      if (log.text) {
        if (offset === 0) replace(pre);
        pre.append(log.text);
        offset += encoder.encode(log.text).length;
        if ((pre.textContent ?? "").length > MAX_CHARS)
          pre.textContent = (pre.textContent ?? "").slice(-MAX_CHARS / 2);
        if (follow.checked) scrollDown();
      } else if (offset === 0) replace(pre, h("span", { class: "muted" }, t("job.logs.empty")));
    } catch {
      // The next change refreshes again; a job without a log yet is not an error worth showing.
    } finally {
      busy = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }

  return {
    el,
    refresh,
    /** Follows the job's newest attempt unless the person picked an older one. @param {number} jobAttempt */
    setAttempts(jobAttempt) {
      const newest = Math.max(1, jobAttempt);
      if (newest !== latest || attemptSelect.options.length === 0) {
        latest = newest;
        replace(
          attemptSelect,
          ...Array.from({ length: newest }, (_, i) =>
            h("option", { value: String(i + 1) }, `${t("job.logs.attempt")} ${i + 1}`),
          ),
        );
        attemptSelect.hidden = newest < 2;
        if (!pinned && attempt !== newest) switchTo(newest);
        attemptSelect.value = String(attempt);
      }
    },
  };
}
