/// <reference lib="dom" />
/**
 * The front end's only way to make DOM: elements from a tag, attributes and children, where every
 * string becomes a text node. No HTML is ever parsed from data, so names, notes, config values and
 * model outputs cannot inject markup or script.
 * @module
 */
import { formatBytes, formatDuration, formatEstimateParts, formatNumber } from '../../format/index.js';

export { formatBytes, formatEstimateParts };

/** What may be a child: nodes, text (always as text), numbers, and nothing. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

/** Attributes: strings and numbers are set as attributes, functions on `on*` names become listeners. */
export type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

/**
 * Makes an element.
 *
 * @param tag - the tag name
 * @param attrs - attributes, `class`, `on<event>` listeners
 * @param children - children; strings become text nodes
 * @returns the element
 * @example
 * ```ts
 * h('a', { href: '#/e/exp_1' }, experiment.name);
 * ```
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) setAttrs(el, attrs);
  append(el, children);
  return el;
}

/**
 * Makes an SVG element.
 *
 * @param tag - the SVG tag name
 * @param attrs - attributes
 * @param children - children; strings become text nodes
 * @returns the element
 * @example
 * ```ts
 * svg('circle', { cx: 5, cy: 5, r: 3 });
 * ```
 */
export function svg(tag: string, attrs?: Attrs | null, ...children: Child[]): SVGElement {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  if (attrs) setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) {
      if (typeof value !== 'function') throw new Error(`${name} must be a function`);
      el.addEventListener(name.slice(2), value);
      continue;
    }
    if (typeof value === 'function') continue;
    if (name === 'href' && !/^(#|\/|https?:)/.test(String(value))) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
}

/**
 * Appends children to an element (strings as text).
 *
 * @param el - the parent
 * @param children - the children
 * @example
 * ```ts
 * append(cell, 'a text', h('b', null, 'bold'));
 * ```
 */
export function append(el: Node, ...children: Child[]): void {
  for (const child of children.flat(Infinity as 1) as Child[]) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : (child as Node));
  }
}

/**
 * Replaces an element's children.
 *
 * @param el - the parent
 * @param children - the new children
 * @example
 * ```ts
 * replace(main, h('p', null, 'loading'));
 * ```
 */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/**
 * A number for a table, as the CLI and reports write it (the shared `src/format` module).
 *
 * @param v - the number (null shows as a dash, NaN and ±Infinity by name)
 * @returns the text
 * @example
 * ```ts
 * fmt(0.123456); // '0.1235'
 * ```
 */
export function fmt(v: number | null | undefined): string {
  return formatNumber(v);
}

/**
 * A date and time, local, to the second.
 *
 * @param ms - milliseconds since the epoch
 * @returns `2025-01-23 14:30:22`
 * @example
 * ```ts
 * fmtDate(Date.now());
 * ```
 */
export function fmtDate(ms: number | null): string {
  if (ms === null) return '–';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * A duration, as the CLI writes it: `42.0s`, `3m05s`, `2h03m`.
 *
 * @param ms - milliseconds
 * @returns the text
 * @example
 * ```ts
 * fmtDuration(185_000); // '3m05s'
 * ```
 */
export function fmtDuration(ms: number): string {
  return formatDuration(ms);
}

/**
 * Any JSON value as short text (strings as they are, the rest as JSON).
 *
 * @param v - the value
 * @returns the text
 * @example
 * ```ts
 * fmtValue([64, 64]); // '[64,64]'
 * ```
 */
export function fmtValue(v: unknown): string {
  if (v === undefined) return '–';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return fmt(v);
  return JSON.stringify(v);
}
