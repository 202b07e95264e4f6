/** One GPU as `nvidia-smi --query-gpu` reports it at one moment. */
export interface GpuReading {
  /** The index nvidia-smi gives the GPU on this host (not renumbered by CUDA_VISIBLE_DEVICES). */
  index: number;
  /** `GPU-…`: the same GPU has the same UUID in every process of the host. */
  uuid: string;
  name: string;
  /** Missing values (`[N/A]`, `[Not Supported]`) are NaN. */
  utilizationPercent: number;
  memoryUsedMb: number;
  powerWatts: number;
  temperatureC: number;
}

/** The fields asked of nvidia-smi, in the order its CSV answers them. */
export const NVIDIA_SMI_FIELDS = ['index', 'uuid', 'name', 'utilization.gpu', 'memory.used', 'power.draw', 'temperature.gpu'] as const;

/**
 * Reads one line of `nvidia-smi --query-gpu=<NVIDIA_SMI_FIELDS> --format=csv[,noheader][,nounits]`.
 * A header line, a blank line or a line that is not one GPU gives undefined; units (`45 %`,
 * `1024 MiB`, `75.20 W`) are dropped. Values are bounded: a line longer than 1 KiB is refused.
 *
 * @param line - one line of output, without its newline
 */
export function parseNvidiaSmiLine(line: string): GpuReading | undefined {
  if (line.length > 1024) return undefined;
  const cells = line.split(',').map((cell) => cell.trim());
  if (cells.length !== NVIDIA_SMI_FIELDS.length) return undefined;
  const [index, uuid, name, utilization, memory, power, temperature] = cells as [string, string, string, string, string, string, string];
  if (!/^\d{1,4}$/.test(index) || uuid.length === 0) return undefined;
  return {
    index: Number(index),
    uuid,
    name,
    utilizationPercent: numberWithoutUnit(utilization),
    memoryUsedMb: numberWithoutUnit(memory),
    powerWatts: numberWithoutUnit(power),
    temperatureC: numberWithoutUnit(temperature),
  };
}

/** `45 %` → 45, `1024 MiB` → 1024, `[N/A]` → NaN. */
function numberWithoutUnit(cell: string): number {
  const match = /^(-?\d+(?:\.\d+)?)(?:\s*(?:%|MiB|W|C))?$/.exec(cell);
  return match ? Number(match[1]) : NaN;
}
