import type { JsonValue } from '../core/types.js';

/** The host of GPU-hours no host claimed (`_` is no host's name: host names use letters, digits, `-` and `.`). */
export const NO_HOST = '_';

/**
 * The summary keys of one host's part of a run's compute: `compute/host/<host>/gpu_count`,
 * `compute/host/<host>/gpu_hours` (over every session on that host) and
 * `compute/host/<host>/compute_usd`. A run's totals (`compute/gpu_hours`…) are the sum of its
 * hosts' parts. Hours no host claimed (a run from before these keys, a sampler that names no
 * host) are the owner's part under the host `_`, which no real host name is.
 *
 * @param host - the host's name, as `os.hostname()` gives it, or {@link NO_HOST}
 */
export function hostKeys(host: string): { gpuCount: string; gpuHours: string; computeUsd: string } {
  const name = hostName(host);
  return { gpuCount: `compute/host/${name}/gpu_count`, gpuHours: `compute/host/${name}/gpu_hours`, computeUsd: `compute/host/${name}/compute_usd` };
}

/** What the hosts of a run have recorded: GPUs, GPU-hours and dollars, summed. */
export interface HostTotals {
  gpuCount: number;
  gpuHours: number;
  /** Undefined when no host priced its GPUs. */
  computeUsd: number | undefined;
}

const HOST_KEY = /^compute\/host\/([^/]+)\/(gpu_count|gpu_hours|compute_usd)$/;

/**
 * Sums the hosts' parts found in a summary, leaving out the hosts the caller knows fresher (its
 * own). Values that are not finite numbers >= 0 are skipped (a summary is written by anyone).
 *
 * @param summary - a run's summary
 * @param except - the hosts to leave out
 */
export function sumHosts(summary: Readonly<Record<string, JsonValue>>, except: readonly string[] = []): HostTotals {
  const skip = new Set(except.map(hostName));
  const totals: HostTotals = { gpuCount: 0, gpuHours: 0, computeUsd: undefined };
  for (const [key, value] of Object.entries(summary)) {
    const match = HOST_KEY.exec(key);
    if (!match || skip.has(match[1]!) || typeof value !== 'number' || !Number.isFinite(value) || value < 0) continue;
    if (match[2] === 'gpu_count') totals.gpuCount += value;
    else if (match[2] === 'gpu_hours') totals.gpuHours += value;
    else totals.computeUsd = (totals.computeUsd ?? 0) + value;
  }
  return totals;
}

/** A host name as one segment of a key: `/` and other characters that are not in host names become `_`. */
function hostName(host: string): string {
  return host === NO_HOST ? NO_HOST : host.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 100) || 'unnamed';
}
