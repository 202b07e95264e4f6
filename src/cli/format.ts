/**
 * How the CLI writes numbers, dates, durations and JSON values in tables.
 * @module
 */

/**
 * A number in four significant digits: integers as they are, very small or large values in
 * exponent form, NaN and ±Infinity by name.
 *
 * @param x - the number, or null/undefined for a dash
 * @returns the text
 * @example
 * ```ts
 * formatNumber(0.123456); // '0.1235'
 * formatNumber(1200);     // '1200'
 * formatNumber(3e-7);     // '3.00e-7'
 * ```
 */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Number.isInteger(x) && Math.abs(x) < 1e12) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e6) return String(Number(x.toPrecision(4)));
  return x.toExponential(2);
}

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
 * A duration: `850ms`, `12.3s`, `4m05s`, `2h03m`, `3d04h`.
 *
 * @param ms - the duration in milliseconds, or null for a dash
 * @returns the text
 * @example
 * ```ts
 * formatDuration(245_000); // '4m05s'
 * ```
 */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  const total = Math.floor(s);
  if (total < 3600) return `${Math.floor(total / 60)}m${pad(total % 60)}s`;
  if (total < 86_400) return `${Math.floor(total / 3600)}h${pad(Math.floor((total % 3600) / 60))}m`;
  return `${Math.floor(total / 86_400)}d${pad(Math.floor((total % 86_400) / 3600))}h`;
}

/**
 * A size in bytes: `512 B`, `1.5 KiB`, `12.0 MiB`.
 *
 * @param bytes - the size, or null for a dash
 * @returns the text
 * @example
 * ```ts
 * formatBytes(1536); // '1.5 KiB'
 * ```
 */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
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
