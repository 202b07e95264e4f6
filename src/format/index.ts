/**
 * How exptrack writes numbers for people, one way for the CLI, the dashboard and reports: plain
 * numbers, estimates with their standard error, sizes and durations. Pure functions with no imports,
 * so the dashboard's browser bundle uses the same ones.
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
 * An estimate and its standard error at matching precision: the error to two significant digits,
 * the estimate to the same decimal place (`0.630` and `0.028`). Without a usable error, the
 * estimate alone as {@link formatNumber} writes it and a dash.
 *
 * @param value - the estimate
 * @param standardError - its standard error, or null
 * @returns the estimate's text and the error's text
 * @example
 * ```ts
 * formatEstimateParts(0.63, 0.02792); // ['0.630', '0.028']
 * formatEstimateParts(0.63, null);    // ['0.63', '-']
 * ```
 */
export function formatEstimateParts(value: number | null | undefined, standardError: number | null | undefined): [string, string] {
  if (value === null || value === undefined || !Number.isFinite(value)) return [formatNumber(value), formatNumber(standardError)];
  if (standardError === null || standardError === undefined || !Number.isFinite(standardError) || standardError <= 0) {
    return [formatNumber(value), standardError === 0 ? '0' : formatNumber(standardError)];
  }
  const magnitude = Math.floor(Math.log10(standardError));
  const decimals = 1 - magnitude; // two significant digits of the error
  if (decimals < 0 || decimals > 12) return [formatNumber(value), formatNumber(standardError)];
  return [value.toFixed(decimals), standardError.toFixed(decimals)];
}

/**
 * An estimate with its standard error: `0.630 ± 0.028` (see {@link formatEstimateParts}).
 *
 * @param value - the estimate
 * @param standardError - its standard error, or null for the estimate alone
 * @returns the text
 * @example
 * ```ts
 * formatEstimate(0.63, 0.02792); // '0.630 ± 0.028'
 * ```
 */
export function formatEstimate(value: number | null | undefined, standardError: number | null | undefined): string {
  const [v, se] = formatEstimateParts(value, standardError);
  return standardError === null || standardError === undefined ? v : `${v} ± ${se}`;
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
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
