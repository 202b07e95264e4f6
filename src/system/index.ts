/**
 * The default sampler of system metrics: this process's CPU and memory, and the host's GPUs
 * through one long-lived `nvidia-smi`. Internal to the tracker; see docs/COST.md.
 *
 * @module
 */
export { DefaultSystemSampler, type DefaultSystemSamplerOptions } from './system-sampler.js';
export { parseNvidiaSmiLine, NVIDIA_SMI_FIELDS, type GpuReading } from './nvidia-smi-csv.js';
export { visibleGpus } from './visible-devices.js';
export { GpuClaims } from './gpu-claims.js';
export { parseRocmSmiJson } from './rocm-smi-json.js';
export { visibleAmdGpus } from './visible-devices.js';
