/**
 * How the CLI writes what a run used and cost: GPU-hours, dollars, tokens.
 * @module
 */
import type { RunCost } from 'exptrack/analysis';
import { formatNumber } from './format.js';

/**
 * Dollars: cents from one dollar up, four significant digits below.
 *
 * @param usd - the amount, or undefined for a dash
 * @returns the text
 * @example
 * ```ts
 * formatUsd(12.345); // '$12.35'
 * formatUsd(0.00421); // '$0.00421'
 * ```
 */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return '-';
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${formatNumber(usd)}`;
}

/**
 * A run's compute and cost on one line, leaving out what it does not have.
 *
 * @param cost - the run's cost (see `costOf` of `exptrack/analysis`)
 * @returns the line, or '' when the run has none of it
 * @example
 * ```ts
 * costLine({ 'compute/gpu_count': 2, 'compute/gpu_name': 'A100', 'compute/gpu_hours': 0.5, 'cost/usd': 1.25 });
 * // '2 × A100, 0.5 GPU-hours, $1.25'
 * ```
 */
export function costLine(cost: RunCost): string {
  const parts: string[] = [];
  const gpus = cost['compute/gpu_count'];
  if (gpus !== undefined && gpus > 0) parts.push(`${gpus} × ${cost['compute/gpu_name'] ?? 'GPU'}`);
  if (cost['compute/wall_hours'] !== undefined) parts.push(`${formatNumber(cost['compute/wall_hours'])} wall hours`);
  if (cost['compute/gpu_hours'] !== undefined) parts.push(`${formatNumber(cost['compute/gpu_hours'])} GPU-hours`);
  const prompt = cost['tokens/prompt'];
  const completion = cost['tokens/completion'];
  if (prompt !== undefined || completion !== undefined) parts.push(`${formatNumber(prompt ?? 0)} prompt + ${formatNumber(completion ?? 0)} completion tokens`);
  const usd = cost['cost/usd'];
  if (usd !== undefined) {
    const split = [cost['cost/compute_usd'] === undefined ? '' : `compute ${formatUsd(cost['cost/compute_usd'])}`, cost['cost/eval_usd'] === undefined ? '' : `evaluation ${formatUsd(cost['cost/eval_usd'])}`].filter(Boolean);
    parts.push(`${formatUsd(usd)}${split.length === 2 ? ` (${split.join(' + ')})` : ''}`);
  }
  return parts.join(', ');
}
