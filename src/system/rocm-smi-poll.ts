import type { ChildProcess } from 'node:child_process';
import type { GpuReading } from './nvidia-smi-csv.js';
import { MAX_ROCM_SMI_OUTPUT_CHARS, parseRocmSmiJson, ROCM_SMI_IDENTITY_ARGS, ROCM_SMI_LIVE_ARGS } from './rocm-smi-json.js';
import { importAtRunTime } from '../tracker/runtime.js';

/** A call that has not answered by then is killed and counts as a failure. */
const CALL_TIMEOUT_MS = 10_000;
/** After this many failed calls in a row (and none answered before), rocm-smi is given up. */
const MAX_FAILURES = 3;

/**
 * AMD GPUs through `rocm-smi --json`, which has no loop mode: one call each interval, never two at
 * once, each killed after 10 s and read up to 1 MiB. The first calls also ask each GPU's unique id
 * and name, until they are known. No `rocm-smi` on PATH means no GPUs and no error, and no further
 * call. `node:child_process` loads only when the poll starts.
 */
export class RocmSmiPoll {
  private timer: ReturnType<typeof setInterval> | undefined;
  private child: ChildProcess | undefined;
  private stopped = false;
  private failures = 0;
  private answered = false;
  private latest: GpuReading[] = [];
  private readonly identity = new Map<number, { uuid: string; name: string }>();
  private spawn: typeof import('node:child_process').spawn | undefined;

  /**
   * @param intervalMs - how often rocm-smi is called
   * @param command - the executable, looked up on PATH
   * @param onReadings - called after each answer that has GPUs
   */
  constructor(
    private readonly intervalMs: number,
    private readonly command = 'rocm-smi',
    private readonly onReadings: () => void = () => {},
  ) {}

  /** Calls rocm-smi now and then every interval. Never throws. */
  async start(): Promise<void> {
    try {
      ({ spawn: this.spawn } = await importAtRunTime<typeof import('node:child_process')>('node:child_process'));
    } catch {
      return; // not Node: no GPUs
    }
    if (this.stopped) return;
    this.call();
    this.timer = setInterval(() => this.call(), Math.max(100, Math.round(this.intervalMs)));
    this.timer.unref();
  }

  /** The latest reading of each GPU, in rocm-smi's index order. */
  readings(): GpuReading[] {
    return this.latest;
  }

  /** Ends the polling and a call in flight. Idempotent. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const child = this.child;
    this.child = undefined;
    if (child && child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill();
  }

  private call(): void {
    if (this.stopped || this.child || !this.spawn) return;
    const knowsIdentity = this.latest.length > 0 && this.latest.every((g) => this.identity.has(g.index));
    const args = knowsIdentity ? [...ROCM_SMI_LIVE_ARGS] : [...ROCM_SMI_LIVE_ARGS, ...ROCM_SMI_IDENTITY_ARGS];
    let child: ChildProcess;
    try {
      child = this.spawn(this.command, args, { stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true });
    } catch {
      this.stop();
      return;
    }
    this.child = child;
    let out = '';
    let tooLong = false;
    let errored = false;
    const timeout = setTimeout(() => child.kill(), CALL_TIMEOUT_MS);
    timeout.unref();
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timeout);
      errored = true;
      if (this.child === child) this.child = undefined;
      if (error.code === 'ENOENT' || !this.answered) this.fail(error.code === 'ENOENT');
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      if (tooLong) return;
      out += chunk;
      if (out.length > MAX_ROCM_SMI_OUTPUT_CHARS) {
        tooLong = true;
        out = '';
        child.kill();
      }
    });
    child.on('close', () => {
      clearTimeout(timeout);
      if (this.child === child) this.child = undefined;
      if (this.stopped || errored) return;
      const gpus = tooLong ? [] : parseRocmSmiJson(out);
      if (gpus.length === 0) {
        if (!this.answered) this.fail(false);
        return;
      }
      this.answered = true;
      this.failures = 0;
      this.latest = gpus.map((gpu) => this.withIdentity(gpu, !knowsIdentity));
      this.onReadings();
    });
    child.unref();
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  }

  /** Keeps the id and name a GPU had in the call that asked them (later calls do not). */
  private withIdentity(gpu: GpuReading, asked: boolean): GpuReading {
    if (asked) {
      this.identity.set(gpu.index, { uuid: gpu.uuid, name: gpu.name });
      return gpu;
    }
    const known = this.identity.get(gpu.index);
    return known ? { ...gpu, ...known } : gpu;
  }

  private fail(forGood: boolean): void {
    if (forGood || ++this.failures >= MAX_FAILURES) this.stop();
  }
}
