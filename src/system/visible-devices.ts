import type { GpuReading } from './nvidia-smi-csv.js';

/**
 * The GPUs this process may use, as `CUDA_VISIBLE_DEVICES` says: unset means all of them; a list
 * of indices (`0,2`) or of UUIDs or UUID prefixes (`GPU-8f3a…`) picks those; an empty value or a
 * `-1` hides every GPU (CUDA stops reading the list at the first entry it cannot use).
 *
 * @param gpus - every GPU nvidia-smi sees on the host
 * @param visible - the value of `CUDA_VISIBLE_DEVICES`
 */
export function visibleGpus(gpus: readonly GpuReading[], visible: string | undefined): GpuReading[] {
  if (visible === undefined) return [...gpus];
  const picked: GpuReading[] = [];
  for (const raw of visible.split(',')) {
    const entry = raw.trim();
    const gpu = /^\d+$/.test(entry)
      ? gpus.find((g) => g.index === Number(entry))
      : entry.length > 0 ? gpus.find((g) => g.uuid.startsWith(entry) || g.uuid.startsWith(`GPU-${entry}`)) : undefined;
    if (!gpu) break;
    if (!picked.includes(gpu)) picked.push(gpu);
  }
  return picked;
}
