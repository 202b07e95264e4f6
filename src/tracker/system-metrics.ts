/**
 * What the tracker needs from a sampler of system metrics (the default one lives in
 * `src/system/`; tests and other hosts can pass their own through `systemMetrics.sampler`).
 *
 * @example
 * ```ts
 * import type { SystemSampler } from 'exptrack';
 * const sampler: SystemSampler = {
 *   start: ({ log }) => log({ 'system/cpu_percent': 12 }),
 *   stop: async () => {},
 *   usage: () => ({ gpuCount: 0, gpuName: null }),
 * };
 * ```
 */
export interface SystemSampler {
  /**
   * Begins sampling a run. Must return at once and never throw; `log` takes one sample's metrics
   * (the tracker logs them at the run's elapsed seconds as step).
   */
  start(run: SystemSamplerRun): void;
  /**
   * The GPUs the run uses on this host, counted once each whatever the number of processes, as
   * last seen. Synchronous: the tracker reads it when the run ends, where it cannot wait.
   */
  usage(): SystemUsage;
  /** Ends sampling (and any child process). `releaseHost` also forgets the host's GPU claims. */
  stop(options?: { releaseHost?: boolean }): Promise<void>;
}

/**
 * The run a {@link SystemSampler} samples.
 *
 * @example
 * ```ts
 * const run: SystemSamplerRun = { experimentId: 'exp_1', rank: 0, intervalMs: 10_000, log: () => {} };
 * ```
 */
export interface SystemSamplerRun {
  experimentId: string;
  rank: number;
  /**
   * Whether this process owns the run (started or resumed it) rather than attached to it: the
   * owner reports its host's GPUs; on a host without it, one process does.
   */
  owned?: boolean;
  intervalMs: number;
  log(metrics: Record<string, number>): void;
}

/**
 * The GPUs of a run on this host.
 *
 * @example
 * ```ts
 * const usage: SystemUsage = { gpuCount: 2, gpuName: 'NVIDIA A100-SXM4-80GB' };
 * ```
 */
export interface SystemUsage {
  gpuCount: number;
  /** The model of the GPUs (the first one's when they differ), or null without GPUs. */
  gpuName: string | null;
  /**
   * The host these GPUs are on, when this process reports them: its GPU-hours are then also
   * recorded under `compute/host/<host>/…`, and the run's totals sum every host's. Unset, the
   * run's owner reports its GPUs as the only host's.
   */
  host?: string;
}

/**
 * The `systemMetrics` option of `ExperimentTracker`.
 *
 * @example
 * ```ts
 * const options: SystemMetricsOptions = { intervalMs: 30_000 };
 * ```
 */
export interface SystemMetricsOptions {
  /** How often to sample. @defaultValue 10000 */
  intervalMs?: number;
  /** Replaces the default sampler (nvidia-smi, rocm-smi, this process's CPU and memory). */
  sampler?: SystemSampler;
}

/**
 * The `pricing` option of `ExperimentTracker`: what one GPU-hour costs, in US dollars.
 *
 * @example
 * ```ts
 * const flat: PricingOptions = { gpuHourUsd: 2.5 };
 * const byName: PricingOptions = { gpuHourUsd: { 'A100': 1.8, 'H100': 3.2 } };
 * ```
 */
export interface PricingOptions {
  /**
   * One price for every GPU, or prices by GPU name: a key matches when the GPU's name contains it
   * (case-insensitive; the longest matching key wins). Default: `EXPTRACK_GPU_HOUR_USD`, else none.
   */
  gpuHourUsd?: number | Readonly<Record<string, number>>;
}
