/**
 * A few DOM helpers so views are built from nodes, never from HTML strings: text from the server
 * (job names, logs, error messages) is always set as text and cannot inject markup.
 */

/** @typedef {Node | string | number | null | undefined | false | Child[]} Child */
/** @typedef {Record<string, unknown>} Attrs */

/**
 * Sets attributes: `class`, `text`, `on` ({event: handler}), `dataset`, booleans, the rest as is.
 * @param {Element} el
 * @param {Attrs} attrs
 */
function applyAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "on") {
      for (const [event, handler] of Object.entries(/** @type {Record<string, EventListener>} */ (value)))
        el.addEventListener(event, handler);
    } else if (key === "text") el.textContent = String(value);
    else if (key === "dataset" && el instanceof HTMLElement) Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
}

/**
 * @param {Element} el
 * @param {Child[]} children
 */
function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(typeof child === "object" ? child : String(child));
  }
}

/**
 * An HTML element: h("a", {href: "#/jobs", class: "nav"}, "Jobs").
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/**
 * An SVG element.
 * @param {string} tag
 * @param {Attrs} [attrs]
 * @param {...Child} children
 * @returns {SVGElement}
 */
export function s(tag, attrs = {}, ...children) {
  const el = /** @type {SVGElement} */ (document.createElementNS("http://www.w3.org/2000/svg", tag));
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/**
 * Replaces an element's children.
 * @param {Element} el
 * @param {...Child} children
 */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/**
 * Calls `fn` at most once per `ms`, the last call always landing (live refreshes).
 * @param {() => void} fn
 * @param {number} ms
 * @returns {(() => void) & {cancel(): void}}
 */
export function throttle(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let last = 0;
  const run = () => {
    timer = undefined;
    last = Date.now();
    fn();
  };
  const throttled = () => {
    if (timer) return;
    timer = setTimeout(run, Math.max(0, last + ms - Date.now()));
  };
  throttled.cancel = () => clearTimeout(timer);
  return throttled;
}
