/**
 * How the CLI writes numbers, dates, durations and JSON values in tables. Numbers, estimates, sizes
 * and durations are written by the shared `src/format` module, as the dashboard and reports write them.
 * @module
 */
import { formatNumber } from '../format/index.js';

export { formatBytes, formatDuration, formatEstimate, formatEstimateParts, formatNumber } from '../format/index.js';

/**
 * A signed number: `+0.0312`, `-1.2`.
 *
 * @param x - the number
 * @returns the text with its sign
 * @example
 * ```ts
 * formatSigned(0.05); // '+0.05'
 * ```
 */
export function formatSigned(x: number): string {
  return x > 0 ? `+${formatNumber(x)}` : formatNumber(x);
}

/**
 * A fraction as a signed percentage: `+12.5%`.
 *
 * @param x - the fraction (0.125 for 12.5 %)
 * @returns the text
 * @example
 * ```ts
 * formatPercent(0.125); // '+12.5%'
 * ```
 */
export function formatPercent(x: number): string {
  const pct = Number((x * 100).toPrecision(3));
  return `${pct > 0 ? '+' : ''}${pct}%`;
}

/**
 * A p-value: two significant digits, or `<1e-4`-style exponent form for tiny ones.
 *
 * @param p - the p-value
 * @returns the text
 * @example
 * ```ts
 * formatP(0.01234); // '0.012'
 * ```
 */
export function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

/**
 * A time as `YYYY-MM-DD HH:MM:SS` in UTC.
 *
 * @param ms - milliseconds since the epoch, or null for a dash
 * @returns the text
 * @example
 * ```ts
 * formatDate(0);     // '1970-01-01 00:00:00'
 * formatDate(1e300); // '?' (no date: a record written by hand or by a bug)
 * ```
 */
export function formatDate(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return '?';
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * A JSON value in a table cell: strings as they are, numbers formatted, others as compact JSON.
 *
 * @param value - the value (undefined for a dash)
 * @returns the text
 * @example
 * ```ts
 * formatValue([64, 64]); // '[64,64]'
 * ```
 */
export function formatValue(value: unknown): string {
  if (value === undefined) return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * The first characters of a git commit, with a `*` when the work tree was dirty.
 *
 * @param git - the recorded git state, or null
 * @returns e.g. `a1b2c3d*`, or `-`
 * @example
 * ```ts
 * formatCommit({ commit: 'a1b2c3d4e5', dirty: true }); // 'a1b2c3d*'
 * ```
 */
export function formatCommit(git: { commit: string; dirty: boolean } | null): string {
  if (git === null) return '-';
  return `${git.commit.slice(0, 7)}${git.dirty ? '*' : ''}`;
}

/**
 * JSON text with NaN and ±Infinity kept as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`
 * (plain `JSON.stringify` would turn them into null), two-space indented, with a final newline.
 *
 * @param value - what to print
 * @returns the text
 * @example
 * ```ts
 * toJsonText({ loss: NaN }); // '{\n  "loss": "NaN"\n}\n'
 * ```
 */
export function toJsonText(value: unknown): string {
  return (
    JSON.stringify(
      value,
      (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v),
      2,
    ) + '\n'
  );
}
