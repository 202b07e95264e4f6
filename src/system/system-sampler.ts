import type { SystemSampler, SystemSamplerRun, SystemUsage } from '../tracker/system-metrics.js';
import { GpuClaims } from './gpu-claims.js';
import type { GpuReading } from './nvidia-smi-csv.js';
import { NvidiaSmiWatch } from './nvidia-smi-watch.js';
import { ProcessUsage } from './process-usage.js';
import { visibleGpus } from './visible-devices.js';

/**
 * Options of {@link DefaultSystemSampler}; tests point them at fakes.
 */
export interface DefaultSystemSamplerOptions {
  /** @defaultValue `nvidia-smi` (looked up on PATH) */
  nvidiaSmi?: string;
  /** Where per-host GPU claims live. @defaultValue `<os.tmpdir()>/exptrack-gpus` */
  claimsDir?: string;
  /** @defaultValue `process.env.CUDA_VISIBLE_DEVICES` */
  cudaVisibleDevices?: string;
}

/**
 * Samples this process's CPU and memory and, through one long-lived `nvidia-smi` in loop mode,
 * every GPU this process may use (`CUDA_VISIBLE_DEVICES`) that no other process of the host has
 * claimed for the run. Its timer is unref'd and each sample is a few reads of memory already
 * there; the child and the files it needs load on start.
 */
export class DefaultSystemSampler implements SystemSampler {
  private timer: ReturnType<typeof setInterval> | undefined;
  private watch: NvidiaSmiWatch | undefined;
  private claims: GpuClaims | undefined;
  private run: SystemSamplerRun | undefined;
  private processUsage: ProcessUsage | undefined;
  private sampling: Promise<void> = Promise.resolve();
  private current: SystemUsage = { gpuCount: 0, gpuName: null };
  private counted = false;

  constructor(private readonly options: DefaultSystemSamplerOptions = {}) {}

  start(run: SystemSamplerRun): void {
    this.run = run;
    this.processUsage = new ProcessUsage();
    this.current = { gpuCount: 0, gpuName: null };
    this.counted = false;
    // The first answer of nvidia-smi claims and counts the GPUs at once, so a run shorter than one
    // interval still knows them; later samples keep the count up to date.
    this.watch = new NvidiaSmiWatch(run.intervalMs, this.options.nvidiaSmi, () => {
      if (!this.counted) this.sampling = this.sampling.then(() => this.count()).catch(() => {});
    });
    this.claims = new GpuClaims(run.experimentId, this.options.claimsDir);
    void this.watch.start();
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample()).catch(() => {});
    }, run.intervalMs);
    this.timer.unref();
  }

  /** Takes one sample now and logs it (what the timer does every interval). */
  async sample(): Promise<void> {
    const run = this.run;
    if (!run || !this.processUsage) return;
    const { cpuPercent, rssMb } = this.processUsage.sample();
    const metrics: Record<string, number> = { 'system/cpu_percent': cpuPercent, 'system/memory_rss_mb': rssMb };
    const gpus = this.visible();
    if (gpus.length > 0 && this.claims) {
      const mine = await this.claims.claim(gpus.map((g) => g.uuid));
      for (const gpu of gpus) if (mine.has(gpu.uuid)) addGpu(metrics, gpu);
      await this.count();
    }
    if (this.run === run) run.log(metrics);
  }

  usage(): SystemUsage {
    return this.current;
  }

  /** Claims the visible GPUs and counts the host's claims for the run. */
  private async count(): Promise<void> {
    const gpus = this.visible();
    if (gpus.length === 0 || !this.claims) return;
    await this.claims.claim(gpus.map((g) => g.uuid));
    this.current = { gpuCount: await this.claims.hostCount(), gpuName: gpus[0]!.name };
    this.counted = true;
  }

  async stop(options: { releaseHost?: boolean } = {}): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.run = undefined;
    this.watch?.stop();
    await this.sampling;
    if (options.releaseHost && this.claims) {
      const claims = this.claims;
      this.claims = undefined;
      await claims.clear().catch(() => {});
    }
  }

  private visible(): GpuReading[] {
    const all = this.watch?.readings() ?? [];
    return visibleGpus(all, 'cudaVisibleDevices' in this.options ? this.options.cudaVisibleDevices : process.env.CUDA_VISIBLE_DEVICES);
  }
}

function addGpu(metrics: Record<string, number>, gpu: GpuReading): void {
  const put = (name: string, value: number) => {
    if (!Number.isNaN(value)) metrics[`system/gpu/${gpu.index}/${name}`] = value;
  };
  put('utilization_percent', gpu.utilizationPercent);
  put('memory_used_mb', gpu.memoryUsedMb);
  put('power_watts', gpu.powerWatts);
  put('temperature_c', gpu.temperatureC);
}
