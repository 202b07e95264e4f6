import type { ChildProcess } from 'node:child_process';
import { NVIDIA_SMI_FIELDS, parseNvidiaSmiLine, type GpuReading } from './nvidia-smi-csv.js';
import { importAtRunTime } from '../tracker/runtime.js';

/** The longest stretch of output without a newline that is kept (a sane line is ~150 bytes). */
const MAX_PENDING_CHARS = 64 * 1024;

/**
 * One long-lived `nvidia-smi` in loop mode (`-lms <interval>`): it prints every GPU each interval,
 * and the latest line per GPU is kept. No `nvidia-smi` on PATH, or one that fails, means no GPUs
 * and no error. `node:child_process` loads only when the watch starts.
 */
export class NvidiaSmiWatch {
  private child: ChildProcess | undefined;
  private stopped = false;
  private pending = '';
  private readonly latest = new Map<string, GpuReading>();

  /**
   * @param intervalMs - how often nvidia-smi prints
   * @param command - the executable, looked up on PATH
   */
  constructor(
    private readonly intervalMs: number,
    private readonly command = 'nvidia-smi',
    private readonly onReadings: () => void = () => {},
  ) {}

  /** Starts the child. Never throws: a missing or broken nvidia-smi leaves the GPU list empty. */
  async start(): Promise<void> {
    let spawn: typeof import('node:child_process').spawn;
    try {
      ({ spawn } = await importAtRunTime<typeof import('node:child_process')>('node:child_process'));
    } catch {
      return; // not Node: no GPUs
    }
    if (this.stopped) return;
    const args = [`--query-gpu=${NVIDIA_SMI_FIELDS.join(',')}`, '--format=csv,noheader,nounits', `-lms`, String(Math.max(100, Math.round(this.intervalMs)))];
    try {
      const child = spawn(this.command, args, { stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true });
      this.child = child;
      child.on('error', () => {
        this.child = undefined; // ENOENT: no nvidia-smi on PATH
      });
      child.on('exit', () => {
        this.child = undefined;
      });
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => this.read(chunk));
      // The child must not keep the training process alive.
      child.unref();
      (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    } catch {
      this.child = undefined;
    }
  }

  /** The latest reading of each GPU, in nvidia-smi's index order. */
  readings(): GpuReading[] {
    return [...this.latest.values()].sort((a, b) => a.index - b.index);
  }

  /** Ends the child. Idempotent. */
  stop(): void {
    this.stopped = true;
    const child = this.child;
    this.child = undefined;
    // A spawn that failed (ENOENT) has no pid yet still a handle: killing it would signal pid 0,
    // which is this whole process group.
    if (child && child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill();
  }

  private read(chunk: string): void {
    this.pending += chunk;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    if (this.pending.length > MAX_PENDING_CHARS) this.pending = '';
    let read = false;
    for (const line of lines) {
      const reading = parseNvidiaSmiLine(line.replace(/\r$/, ''));
      if (reading) {
        this.latest.set(reading.uuid, reading);
        read = true;
      }
    }
    if (read) this.onReadings();
  }
}
