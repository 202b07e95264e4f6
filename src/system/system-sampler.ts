import type { SystemSampler, SystemSamplerRun, SystemUsage } from '../tracker/system-metrics.js';
import { GpuClaims } from './gpu-claims.js';
import type { GpuReading } from './nvidia-smi-csv.js';
import { NvidiaSmiWatch } from './nvidia-smi-watch.js';
import { ProcessUsage } from './process-usage.js';
import { RocmSmiPoll } from './rocm-smi-poll.js';
import { visibleAmdGpus, visibleGpus } from './visible-devices.js';

/**
 * Options of {@link DefaultSystemSampler}; tests point them at fakes.
 */
export interface DefaultSystemSamplerOptions {
  /** @defaultValue `nvidia-smi` (looked up on PATH) */
  nvidiaSmi?: string;
  /** Where per-host GPU claims live. @defaultValue `<os.tmpdir()>/exptrack-gpus` */
  claimsDir?: string;
  /** The host's name in the summary keys of its GPU-hours. @defaultValue `os.hostname()` */
  hostName?: string;
  /** @defaultValue `process.env.CUDA_VISIBLE_DEVICES` */
  cudaVisibleDevices?: string;
  /** @defaultValue `rocm-smi` (looked up on PATH) */
  rocmSmi?: string;
  /** @defaultValue `process.env.ROCR_VISIBLE_DEVICES` */
  rocrVisibleDevices?: string;
  /** @defaultValue `process.env.HIP_VISIBLE_DEVICES` */
  hipVisibleDevices?: string;
}

/**
 * Samples this process's CPU and memory and, through one long-lived `nvidia-smi` in loop mode,
 * every GPU this process may use (`CUDA_VISIBLE_DEVICES`) that no other process of the host has
 * claimed for the run. Without NVIDIA GPUs, AMD ones come from `rocm-smi` called once an interval
 * (`ROCR_VISIBLE_DEVICES`, `HIP_VISIBLE_DEVICES`). Its timer is unref'd and each sample is a few
 * reads of memory already there; the children and the files they need load on start.
 */
export class DefaultSystemSampler implements SystemSampler {
  private timer: ReturnType<typeof setInterval> | undefined;
  private watch: NvidiaSmiWatch | undefined;
  private rocm: RocmSmiPoll | undefined;
  private claims: GpuClaims | undefined;
  private run: SystemSamplerRun | undefined;
  private processUsage: ProcessUsage | undefined;
  private sampling: Promise<void> = Promise.resolve();
  private current: SystemUsage = { gpuCount: 0, gpuName: null };
  private counted = false;
  private owned = false;
  /** Whether this process has seen the run's owner on its host: then the owner reports the host, to the end. */
  private ownerSeen = false;

  constructor(private readonly options: DefaultSystemSamplerOptions = {}) {}

  start(run: SystemSamplerRun): void {
    this.run = run;
    this.owned = run.owned === true;
    this.processUsage = new ProcessUsage();
    this.current = { gpuCount: 0, gpuName: null };
    this.counted = false;
    this.ownerSeen = false;
    // The first answer of nvidia-smi claims and counts the GPUs at once, so a run shorter than one
    // interval still knows them; later samples keep the count up to date.
    const firstAnswer = () => {
      if (!this.counted) this.sampling = this.sampling.then(() => this.count()).catch(() => {});
    };
    this.watch = new NvidiaSmiWatch(run.intervalMs, this.options.nvidiaSmi, firstAnswer);
    this.rocm = new RocmSmiPoll(run.intervalMs, this.options.rocmSmi, firstAnswer);
    this.claims = new GpuClaims(run.experimentId, this.options.claimsDir, this.options.hostName);
    void this.watch.start();
    void this.rocm.start();
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

  /**
   * Claims the visible GPUs, counts the host's claims for the run, and settles whether this
   * process reports the host: the owner always does; another process does when the owner is not
   * on its host and no other live process of the host reports it. A process that once saw the owner
   * on its host never does: the owner's last part stands for the host even after the owner finished
   * and released the host's claims.
   */
  private async count(): Promise<void> {
    const gpus = this.visible();
    const claims = this.claims;
    if (gpus.length === 0 || !claims) return;
    await claims.claim(gpus.map((g) => g.uuid));
    if (this.owned) await claims.claimRole('owner');
    this.ownerSeen ||= !this.owned && (await claims.roleTaken('owner'));
    const reports = this.owned || (!this.ownerSeen && (await claims.claimRole('reporter')));
    this.current = { gpuCount: await claims.hostCount(), gpuName: gpus[0]!.name, ...(reports ? { host: await claims.hostName() } : {}) };
    this.counted = true;
  }

  async stop(options: { releaseHost?: boolean } = {}): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.run = undefined;
    this.watch?.stop();
    this.rocm?.stop();
    await this.sampling;
    if (options.releaseHost && this.claims) {
      const claims = this.claims;
      this.claims = undefined;
      await claims.clear().catch(() => {});
    }
  }

  /** The GPUs this process may use: NVIDIA's when nvidia-smi sees any, else AMD's. */
  private visible(): GpuReading[] {
    const cuda = this.setting('cudaVisibleDevices', 'CUDA_VISIBLE_DEVICES');
    const nvidia = this.watch?.readings() ?? [];
    if (nvidia.length > 0) return visibleGpus(nvidia, cuda);
    const amd = this.rocm?.readings() ?? [];
    if (amd.length === 0) return [];
    return visibleAmdGpus(amd, { rocr: this.setting('rocrVisibleDevices', 'ROCR_VISIBLE_DEVICES'), hip: this.setting('hipVisibleDevices', 'HIP_VISIBLE_DEVICES'), cuda });
  }

  /** An option when given (even as undefined), else the environment variable. */
  private setting(option: 'cudaVisibleDevices' | 'rocrVisibleDevices' | 'hipVisibleDevices', variable: string): string | undefined {
    return option in this.options ? this.options[option] : process.env[variable];
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
