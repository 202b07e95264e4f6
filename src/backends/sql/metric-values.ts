/**
 * An evaluation metric as the stored JSON holds it: numbers as they are, the strings "NaN",
 * "Infinity" and "-Infinity" (and null) as the numbers they stand for; undefined for anything else.
 *
 * @example
 * ```ts
 * evaluationMetricValue('Infinity'); // Infinity
 * evaluationMetricValue(null); // NaN
 * ```
 */
export function evaluationMetricValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === null) return NaN;
  if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
  return undefined;
}
