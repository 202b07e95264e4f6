/**
 * The summary keys that say what a run cost: written by the tracker, read by the CLI, the
 * dashboard and the filter language (`summary.cost/usd < 5`).
 *
 * @example
 * ```ts
 * import { COST_KEYS } from 'exptrack';
 * const dollars = experiment.summary[COST_KEYS.usd];
 * ```
 */
export const COST_KEYS = {
  /** Hours the run was active, summed over its sessions (a resumed run adds up). */
  wallHours: 'compute/wall_hours',
  /** GPUs the run used, each host's GPUs counted once. */
  gpuCount: 'compute/gpu_count',
  /** Wall hours × GPUs, summed over sessions. */
  gpuHours: 'compute/gpu_hours',
  /** The GPU model, e.g. `NVIDIA A100-SXM4-80GB`. */
  gpuName: 'compute/gpu_name',
  /** GPU-hours × the configured price per GPU-hour. */
  computeUsd: 'cost/compute_usd',
  /** Sum of the evaluations' prompt tokens. */
  promptTokens: 'tokens/prompt',
  /** Sum of the evaluations' completion tokens. */
  completionTokens: 'tokens/completion',
  /** Sum of the evaluations' `cost_usd`. */
  evalUsd: 'cost/eval_usd',
  /** Compute plus evaluation dollars, when either is known. */
  usd: 'cost/usd',
} as const;
