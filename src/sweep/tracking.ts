/**
 * How a sweep writes its trials through a tracker, described as the few methods it calls so the
 * sweep depends on no tracker or backend module. Each trial becomes one experiment: started when the
 * trial is asked, its reports logged as metrics, finished when it is told.
 * @module
 */
import type { Experiment, JsonValue, MetricPoint } from 'exptrack';

/**
 * The part of `ExperimentTracker` (from `exptrack`) a sweep uses. Any object with these methods
 * works; the tracker holds one experiment at a time.
 *
 * @example
 * ```ts
 * import { ExperimentTracker } from 'exptrack';
 * import { MemoryBackend } from 'exptrack/memory';
 * import { Sweep, uniform } from 'exptrack/sweep';
 * const tracker = new ExperimentTracker({ backends: [new MemoryBackend()] });
 * const sweep = new Sweep({ space: { x: uniform(0, 1) }, direction: 'minimize', tracker });
 * ```
 */
export interface SweepTracker {
  startExperiment(
    config: Record<string, JsonValue>,
    options: { name?: string; notes?: string; tags?: Record<string, string>; group?: string },
  ): Promise<string>;
  logMetrics(metrics: Record<string, number>, step: number): unknown;
  logSummary(summary: Record<string, JsonValue>): unknown;
  setTags(tags: Record<string, string>): unknown;
  /** `error` (an `Error`) is passed with a failed trial. */
  finishExperiment(options: { status: 'completed' | 'failed'; error?: unknown }): Promise<unknown> | unknown;
  /** Called by `sweep.flush()` when present. */
  flush?(): Promise<unknown>;
}

/**
 * A tracker, or a function that makes one tracker per trial. A single tracker holds one experiment
 * at a time, so trials that run at once are written one after the other (each waits for the
 * trials asked before it to be told); a factory writes every trial live.
 *
 * @example
 * ```ts
 * import { ExperimentTracker } from 'exptrack';
 * import { SqliteBackend } from 'exptrack/sqlite';
 * import type { SweepTrackerSource } from 'exptrack/sweep';
 * const backend = new SqliteBackend({ path: 'exptrack.db' });
 * const perTrial: SweepTrackerSource = () => new ExperimentTracker({ backends: [backend] });
 * ```
 */
export type SweepTrackerSource = SweepTracker | (() => SweepTracker | Promise<SweepTracker>);

/**
 * The part of a readable backend (`ExperimentReader` of `exptrack`) that resuming reads.
 * With `getMetrics`, the reported values of finished trials are restored too (the pruners use them).
 *
 * @example
 * ```ts
 * import { SqliteBackend } from 'exptrack/sqlite';
 * import { Sweep, uniform, type SweepStore } from 'exptrack/sweep';
 * const store: SweepStore = new SqliteBackend({ path: 'exptrack.db' });
 * const sweep = new Sweep({ space: { x: uniform(0, 1) }, direction: 'minimize', store, resume: '20250123_143022_a1b2c3' });
 * await sweep.ready();
 * ```
 */
export interface SweepStore {
  getAllExperiments(query?: { group?: string; sort?: 'created'; direction?: 'asc' | 'desc' }): Promise<Experiment[]>;
  getMetrics?(id: string, key?: string): Promise<MetricPoint[]>;
}

/** One trial's writes, applied in order on its own promise chain. */
export class TrialRecording {
  private chain: Promise<void>;
  private tracker: SweepTracker | undefined;
  private broken = false;
  /** Its trial was told: its last write is queued. */
  told = false;
  private resolveDone!: () => void;
  /** Settles when the trial's last write settled (never rejects). */
  readonly done: Promise<void>;
  experimentId: string | undefined;

  constructor(
    acquire: Promise<SweepTracker>,
    private readonly onError: (error: unknown) => void,
  ) {
    this.done = new Promise<void>((resolve) => (this.resolveDone = resolve));
    this.chain = acquire.then(
      (t) => {
        this.tracker = t;
      },
      (error: unknown) => {
        this.broken = true;
        this.onError(error);
      },
    );
  }

  /** Queues a write; after a failed start, later writes are skipped. */
  enqueue(op: (tracker: SweepTracker) => unknown): void {
    this.chain = this.chain.then(async () => {
      if (this.broken || this.tracker === undefined) return;
      try {
        await op(this.tracker);
      } catch (error) {
        this.onError(error);
      }
    });
  }

  /** Queues the start; a failed start breaks the recording. */
  start(op: (tracker: SweepTracker) => Promise<string>): void {
    this.chain = this.chain.then(async () => {
      if (this.broken || this.tracker === undefined) return;
      try {
        this.experimentId = await op(this.tracker);
      } catch (error) {
        this.broken = true;
        this.onError(error);
      }
    });
  }

  /** Queues the last writes and marks the recording done once they settle. */
  finish(op: (tracker: SweepTracker) => unknown): void {
    this.told = true;
    this.enqueue(op);
    void this.chain.then(() => this.resolveDone());
  }

  /** The tracker the trial wrote through, once acquired. */
  get trackerUsed(): SweepTracker | undefined {
    return this.tracker;
  }
}

/** Hands out trial recordings: live ones from a factory, or serialised ones on a single tracker. */
export class TrackingLanes {
  private lane: Promise<void> = Promise.resolve();
  private readonly recordings: TrialRecording[] = [];
  readonly used = new Set<SweepTracker>();

  constructor(private readonly source: SweepTrackerSource) {}

  begin(onError: (error: unknown) => void): TrialRecording {
    const source = this.source;
    let acquire: Promise<SweepTracker>;
    if (typeof source === 'function') {
      acquire = Promise.resolve().then(() => source());
    } else {
      const previous = this.lane;
      acquire = previous.then(() => source);
    }
    const recording = new TrialRecording(
      acquire.then((t) => {
        this.used.add(t);
        return t;
      }),
      onError,
    );
    if (typeof source !== 'function') this.lane = recording.done;
    this.recordings.push(recording);
    return recording;
  }

  /**
   * The recordings whose writes can complete now: every told one with a factory; with a single
   * tracker, the told ones before the first trial still running (later ones wait for it).
   */
  completable(): TrialRecording[] {
    if (typeof this.source === 'function') return this.recordings.filter((r) => r.told);
    const out: TrialRecording[] = [];
    for (const r of this.recordings) {
      if (!r.told) break;
      out.push(r);
    }
    return out;
  }
}
