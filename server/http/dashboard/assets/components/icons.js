/**
 * The dashboard's one icon set, as inline SVG (24×24, drawn with the current text colour), so an
 * icon looks the same on every machine: emoji need an emoji font, and headless or minimal
 * systems draw them as empty boxes. States name their icon in shared/states.ts (STATE_LOOKS); the
 * server sends those names with the session, and `stateIcon` draws them.
 */
import { s } from "../lib/dom.js";

/** @typedef {[tag: string, attrs: Record<string, string | number>]} Shape */

/** Each icon's shapes. @type {Record<string, Shape[]>} */
export const ICONS = {
  clock: [
    ["circle", { cx: 12, cy: 12, r: 9 }],
    ["path", { d: "M12 7v5l3 2" }],
  ],
  link: [
    ["path", { d: "M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1" }],
    ["path", { d: "M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" }],
  ],
  hourglass: [["path", { d: "M6 3h12M6 21h12M7 3v3l5 6 5-6V3M7 21v-3l5-6 5 6v3" }]],
  refresh: [["path", { d: "M20 12a8 8 0 1 1-2.3-5.7M20 4v5h-5" }]],
  stop: [
    ["path", { d: "M8 3h8l5 5v8l-5 5H8l-5-5V8z" }],
    ["path", { d: "M9 12h6" }],
  ],
  check: [
    ["circle", { cx: 12, cy: 12, r: 9 }],
    ["path", { d: "M8 12.5l2.5 2.5L16 9.5" }],
  ],
  cross: [
    ["circle", { cx: 12, cy: 12, r: 9 }],
    ["path", { d: "M9 9l6 6M15 9l-6 6" }],
  ],
  alarm: [
    ["circle", { cx: 12, cy: 13, r: 8 }],
    ["path", { d: "M12 9v4l2 2M5 3L2 6M19 3l3 3" }],
  ],
  trash: [["path", { d: "M4 7h16M6 7l1 13h10l1-13M9 7V4h6v3M10 11v6M14 11v6" }]],
  skip: [["path", { d: "M5 5l9 7-9 7zM19 5v14" }]],
  pause: [["path", { d: "M8 5v14M16 5v14" }]],
  play: [["path", { d: "M7 4l13 8-13 8z" }]],
  bolt: [["path", { d: "M13 2L4 14h8l-1 8 9-12h-8z" }]],
  globe: [
    ["circle", { cx: 12, cy: 12, r: 9 }],
    ["path", { d: "M3 12h18M12 3a14 14 0 0 1 0 18a14 14 0 0 1 0-18" }],
  ],
  sun: [
    ["circle", { cx: 12, cy: 12, r: 4 }],
    [
      "path",
      {
        d: "M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4",
      },
    ],
  ],
  moon: [["path", { d: "M20 14.5A8 8 0 1 1 9.5 4a6.5 6.5 0 0 0 10.5 10.5z" }]],
  contrast: [
    ["circle", { cx: 12, cy: 12, r: 9 }],
    ["path", { d: "M12 3a9 9 0 0 1 0 18z", fill: "currentColor" }],
  ],
  dot: [["circle", { cx: 12, cy: 12, r: 3, fill: "currentColor" }]],
};

/** Each job or task state's icon name, from the session. @type {Record<string, string>} */
export const STATE_ICON_NAMES = {};

/**
 * An icon as an `<svg>` element, hidden from screen readers (the text beside it says what it
 * means). `attrs` may place it inside another SVG (x, y) or size it (width, height).
 * @param {string} name one of ICONS; an unknown name draws a dot
 * @param {Record<string, string | number>} [attrs]
 */
export function icon(name, attrs = {}) {
  const shapes = ICONS[name] ?? ICONS.dot;
  return s(
    "svg",
    {
      class: "icon",
      "data-icon": ICONS[name] ? name : "dot",
      viewBox: "0 0 24 24",
      width: 16,
      height: 16,
      fill: "none",
      stroke: "currentColor",
      "stroke-width": 2,
      "stroke-linecap": "round",
      "stroke-linejoin": "round",
      "aria-hidden": "true",
      focusable: "false",
      ...attrs,
    },
    ...(shapes ?? []).map(([tag, shapeAttrs]) => s(tag, shapeAttrs)),
  );
}

/** @param {string} state @param {Record<string, string | number>} [attrs] */
export function stateIcon(state, attrs = {}) {
  return icon(STATE_ICON_NAMES[state] ?? "dot", attrs);
}
