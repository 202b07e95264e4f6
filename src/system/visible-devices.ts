import type { GpuReading } from './nvidia-smi-csv.js';

/**
 * The GPUs this process may use, as `CUDA_VISIBLE_DEVICES` says: unset means all of them; a list
 * of indices (`0,2`) or of UUIDs or UUID prefixes (`GPU-8f3a…`) picks those; an empty value or a
 * `-1` hides every GPU (CUDA stops reading the list at the first entry it cannot use).
 *
 * @param gpus - every GPU nvidia-smi sees on the host
 * @param visible - the value of `CUDA_VISIBLE_DEVICES`
 * @param byPosition - an index names the n-th GPU of `gpus` rather than the GPU with that index
 *   (how HIP reads its list, after ROCR's has chosen)
 */
export function visibleGpus(gpus: readonly GpuReading[], visible: string | undefined, byPosition = false): GpuReading[] {
  if (visible === undefined) return [...gpus];
  const picked: GpuReading[] = [];
  for (const raw of visible.split(',')) {
    const entry = raw.trim();
    const gpu = /^\d+$/.test(entry)
      ? byPosition ? gpus[Number(entry)] : gpus.find((g) => g.index === Number(entry))
      : entry.length > 0 ? gpus.find((g) => g.uuid.startsWith(entry) || g.uuid.startsWith(`GPU-${entry}`)) : undefined;
    if (!gpu) break;
    if (!picked.includes(gpu)) picked.push(gpu);
  }
  return picked;
}

/**
 * The AMD GPUs this process may use: `ROCR_VISIBLE_DEVICES` chooses among the host's GPUs (by
 * rocm-smi index or `GPU-<unique id>`), then `HIP_VISIBLE_DEVICES` (or, when it is unset,
 * `CUDA_VISIBLE_DEVICES`, which HIP also reads) chooses among those by position or id. Each list
 * follows the rules of {@link visibleGpus}.
 *
 * @param gpus - every GPU rocm-smi sees on the host
 * @param env - the three variables
 */
export function visibleAmdGpus(gpus: readonly GpuReading[], env: { rocr: string | undefined; hip: string | undefined; cuda: string | undefined }): GpuReading[] {
  return visibleGpus(visibleGpus(gpus, env.rocr), env.hip ?? env.cuda, true);
}
