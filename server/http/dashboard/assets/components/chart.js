/**
 * Finished jobs per minute as stacked bars (succeeded below, failed above), drawn in SVG that
 * scales to its box. Each bar has a <title>, so hovering or a screen reader gives its numbers.
 */
import { s } from "../lib/dom.js";
import { formatClock, t } from "../lib/i18n.js";

const W = 1000;
const H = 200;
const PAD = { top: 10, right: 8, bottom: 22, left: 34 };

/** @typedef {{at: string, succeeded: number, failed: number, timed_out: number, canceled: number}} Bucket */

/** @param {Bucket} b */
export const failedOf = (b) => b.failed + b.timed_out;

/** @param {Bucket[]} buckets */
export function throughputChart(buckets) {
  const max = Math.max(1, ...buckets.map((b) => b.succeeded + failedOf(b)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, buckets.length);
  const y = (/** @type {number} */ n) => (n / max) * plotH;
  const bars = buckets.map((b, i) => {
    const x = PAD.left + i * slot + 1;
    const ok = y(b.succeeded);
    const bad = y(failedOf(b));
    const label = t("overview.chart.bar", {
      time: formatClock(new Date(b.at)),
      succeeded: b.succeeded,
      failed: failedOf(b),
    });
    return s(
      "g",
      { class: "bar" },
      s("title", {}, label),
      s("rect", { x, y: PAD.top + plotH - ok, width: slot - 2, height: ok, class: "ok" }),
      s("rect", { x, y: PAD.top + plotH - ok - bad, width: slot - 2, height: bad, class: "bad" }),
      // An invisible full-height target so thin bars are easy to hover.
      s("rect", { x, y: PAD.top, width: slot - 2, height: plotH, class: "hit" }),
    );
  });
  const ticks = [0, Math.round(max / 2), max].filter((v, i, all) => all.indexOf(v) === i);
  const n = buckets.length;
  return s(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": t("overview.chart") },
    ...ticks.map((v) =>
      s(
        "g",
        { class: "tick" },
        s("line", {
          x1: PAD.left,
          x2: W - PAD.right,
          y1: PAD.top + plotH - y(v),
          y2: PAD.top + plotH - y(v),
        }),
        s("text", { x: PAD.left - 6, y: PAD.top + plotH - y(v) + 4, "text-anchor": "end" }, String(v)),
      ),
    ),
    ...bars,
    s("text", { class: "axis", x: PAD.left, y: H - 4 }, t("overview.ago", { n })),
    s(
      "text",
      { class: "axis", x: PAD.left + plotW / 2, y: H - 4, "text-anchor": "middle" },
      t("overview.ago", { n: n / 2 }),
    ),
    s("text", { class: "axis", x: W - PAD.right, y: H - 4, "text-anchor": "end" }, t("overview.now")),
  );
}
