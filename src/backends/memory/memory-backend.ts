import type {
  Backend,
  BackendCapabilities,
  ExperimentQuery,
  ExperimentReader,
  ExperimentSelection,
  MetricPage,
  MetricPageQuery,
  MetricSelector,
  MetricValue,
  ResponseCacheStore,
  TrackerEvent,
} from '../../core/backend.js';
import { ExptrackError } from '../../core/errors.js';
import type { ArtifactLineage, ArtifactReader, ArtifactRecord, GarbageReport, MediaKey, MediaRecord, ReadArtifactOptions } from '../../core/artifacts.js';
import { ArtifactStore, carriesContent, withoutContent } from '../../artifacts/artifact-store.js';
import { MemoryBlobStore } from '../../artifacts/memory-blob-store.js';
import { MemoryArtifactIndex } from './memory-artifact-index.js';
import { applyExperimentChanges, reviveOnHeartbeat } from '../../core/experiment-changes.js';
import { compareText, experimentComparator } from '../../core/experiment-order.js';
import { matchesFilter } from '../../core/filter-match.js';
import { summaryValueOf } from '../../core/metric-selector.js';
import { pointsFromColumns } from '../../core/metric-columns.js';
import { outlineOfPoints } from '../../core/metric-outline.js';
import { decodeMetricCursor, encodeMetricCursor, metricPageLimit } from '../../core/metric-page.js';
import { foldMetricSummary } from '../../core/metric-summary.js';
import { EXPERIMENT_STATUSES } from '../../core/types.js';
import type {
  CheckpointRecord,
  EvaluationRecord,
  Experiment,
  ExperimentStatus,
  MetricOutline,
  MetricOutlineQuery,
  MetricPoint,
  MetricSummary,
  StoreStats,
  StoredEvaluationSample,
} from '../../core/types.js';

interface StoredRun {
  experiment: Experiment;
  points: MetricPoint[];
  summaries: Map<string, MetricSummary>;
  evaluations: EvaluationRecord[];
  samples: StoredEvaluationSample[];
  checkpoints: CheckpointRecord[];
}

/**
 * A backend that keeps everything in this process's memory: for tests, and for runs that want no
 * disk. It implements the whole read API and the response cache, like the SQLite backend.
 *
 * @example
 * ```ts
 * import { ExperimentTracker } from 'exptrack';
 * import { MemoryBackend } from 'exptrack/memory';
 * const memory = new MemoryBackend();
 * const tracker = new ExperimentTracker({ backends: [memory] });
 * const id = await tracker.startExperiment({ learning_rate: 1e-3 });
 * tracker.logMetrics({ loss: 0.5 }, 1);
 * await tracker.finishExperiment();
 * await memory.getMetrics(id, 'loss'); // [{ key: 'loss', step: 1, value: 0.5, ... }]
 * ```
 */
export class MemoryBackend implements Backend, ExperimentReader, ResponseCacheStore, ArtifactReader {
  readonly specificationVersion = 1;
  readonly name = 'memory';
  /**
   * Pipelined: a batch is applied when it is handed over (a tight loop that never yields holds no
   * queue of batches for this store), after any earlier batch whose bytes are still being stored.
   */
  readonly capabilities: BackendCapabilities = { read: true, persistent: false, multiProcess: false, responseCache: true, artifacts: true, pipelinedWrites: true };
  private readonly runs = new Map<string, StoredRun>();
  private readonly responses = new Map<string, string>();
  private readonly artifactRows = new MemoryArtifactIndex();
  private readonly blobs = new MemoryBlobStore();
  private readonly artifacts = new ArtifactStore(this.artifactRows, this.blobs);
  /** Writes queued behind a batch whose bytes are being stored, and the last of them. */
  private contentWrites = 0;
  private contentTail: Promise<unknown> = Promise.resolve();

  async init(): Promise<void> {}

  write(events: readonly TrackerEvent[]): Promise<void> {
    if (this.contentWrites === 0 && !carriesContent(events)) {
      try {
        this.applyAll(events);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    // Bytes are stored asynchronously: this batch and the ones after it wait their turn.
    this.contentWrites++;
    const written = this.contentTail.then(async () => {
      if (carriesContent(events)) await this.artifacts.storeContent(events);
      this.applyAll(withoutContent(events));
    });
    this.contentTail = written.catch(() => undefined);
    return written.finally(() => this.contentWrites--);
  }

  writeSync(events: readonly TrackerEvent[]): void {
    for (const event of events) {
      if (event.type === 'artifact') for (const source of event.sources) this.blobs.putSync(source);
      if (event.type === 'media' && event.bytes !== undefined && event.media.kind === 'image') this.blobs.putSync({ digest: event.media.digest, size: event.media.size, bytes: event.bytes });
    }
    this.applyAll(withoutContent(events));
  }

  private applyAll(events: readonly TrackerEvent[]): void {
    for (const event of events) this.apply(event);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  private apply(event: TrackerEvent): void {
    if (event.type === 'experiment_started') {
      const { id } = event.experiment;
      if (this.runs.has(id)) throw new ExptrackError(`experiment ${id} exists already`, { code: 'already_exists', field: 'id', value: id, backend: this.name });
      this.runs.set(id, { experiment: structuredClone(event.experiment), points: [], summaries: new Map(), evaluations: [], samples: [], checkpoints: [] });
      return;
    }
    const run = this.run(event.experimentId);
    switch (event.type) {
      case 'experiment_updated': {
        run.experiment = applyExperimentChanges(run.experiment, reviveOnHeartbeat(run.experiment.status, structuredClone(event.changes)));
        return;
      }
      case 'metrics':
        for (const point of pointsFromColumns(event.points)) {
          run.points.push(point);
          run.summaries.set(point.key, foldMetricSummary(run.summaries.get(point.key), event.experimentId, point));
        }
        return;
      case 'evaluation': {
        const { evaluation, samples } = event;
        run.evaluations.push({ ...structuredClone(evaluation), experimentId: event.experimentId, sampleCount: samples.length });
        for (const sample of samples) run.samples.push({ ...structuredClone(sample), experimentId: event.experimentId, benchmark: evaluation.benchmark });
        return;
      }
      case 'checkpoint':
        run.checkpoints.push(structuredClone(event.checkpoint));
        return;
      case 'artifact':
      case 'artifact_used':
      case 'media':
        this.artifactRows.apply(event);
        return;
    }
  }

  private run(id: string): StoredRun {
    const run = this.runs.get(id);
    if (run === undefined) throw new ExptrackError(`no experiment with id ${id}`, { code: 'not_found', field: 'experimentId', value: id, backend: this.name });
    return run;
  }

  async getAllExperiments(query: ExperimentQuery = {}): Promise<Experiment[]> {
    const matching = this.select(query).map((run) => run.experiment);
    matching.sort(experimentComparator(query, Date.now()));
    const offset = query.offset ?? 0;
    const end = query.limit === undefined ? undefined : offset + query.limit;
    return matching.slice(offset, end).map((e) => structuredClone(e));
  }

  async countExperiments(selection: ExperimentSelection = {}): Promise<number> {
    return this.select(selection).length;
  }

  async getMetricValues(metric: MetricSelector, selection: ExperimentSelection = {}): Promise<MetricValue[]> {
    const column = summaryValueOf(metric);
    const values: MetricValue[] = [];
    for (const run of this.select(selection)) {
      const { id, createdAt, group } = run.experiment;
      if (metric.benchmark === undefined) {
        const summary = run.summaries.get(metric.metric);
        if (summary !== undefined) values.push({ experimentId: id, createdAt, group, value: summary[column] });
        continue;
      }
      const latest = run.evaluations.findLast((e) => e.benchmark === metric.benchmark);
      const value = latest?.metrics[metric.metric];
      if (typeof value === 'number') values.push({ experimentId: id, createdAt, group, value });
    }
    return values;
  }

  /** The runs a selection picks, in no particular order. */
  private select(selection: ExperimentSelection): StoredRun[] {
    const statuses = selection.status === undefined ? undefined : new Set<ExperimentStatus>(typeof selection.status === 'string' ? [selection.status] : selection.status);
    const ids = selection.ids === undefined ? undefined : new Set(selection.ids);
    const where = selection.where;
    return [...this.runs.values()].filter((run) => {
      const e = run.experiment;
      if (statuses && !statuses.has(e.status)) return false;
      if (ids && !ids.has(e.id)) return false;
      if (selection.group !== undefined && e.group !== selection.group) return false;
      return where === undefined || matchesFilter(where, {
        experiment: e,
        evaluations: new Map(run.evaluations.map((ev) => [ev.benchmark, ev.metrics])),
        lastMetrics: new Map([...run.summaries].map(([key, s]) => [key, s.last])),
      });
    });
  }

  async getExperiment(id: string): Promise<Experiment | undefined> {
    const run = this.runs.get(id);
    return run && structuredClone(run.experiment);
  }

  async findExperimentIds(prefix: string, limit = 10): Promise<string[]> {
    return [...this.runs.keys()].filter((id) => id.startsWith(prefix)).sort(compareText).slice(0, limit);
  }

  async getMetrics(id: string, key?: string): Promise<MetricPoint[]> {
    const points = this.runs.get(id)?.points ?? [];
    const selected = key === undefined ? points : points.filter((p) => p.key === key);
    // Array.prototype.sort is stable: equal (key, step) pairs keep their logging order.
    return selected.map((p) => ({ ...p })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.step - b.step));
  }

  /** A page of the points in `getMetrics` order; the cursor holds the last point's place in the logging order. */
  async getMetricPage(id: string, query: MetricPageQuery = {}): Promise<MetricPage> {
    const limit = metricPageLimit(query.limit);
    const after = decodeMetricCursor(query.after);
    const points = this.runs.get(id)?.points ?? [];
    const order = points.map((_, i) => i).sort((a, b) => comparePoints(points[a]!, a, points[b]!, b));
    let start = 0;
    if (after !== undefined) {
      const cursor = { key: after.key, step: after.step } as MetricPoint;
      while (start < order.length && comparePoints(points[order[start]!]!, order[start]!, cursor, after.first) <= 0) start++;
    }
    const taken = order.slice(start, start + limit);
    const lastIndex = taken.at(-1);
    const last = lastIndex === undefined ? undefined : points[lastIndex]!;
    return {
      points: taken.map((i) => ({ ...points[i]! })),
      next: taken.length === limit && last !== undefined ? encodeMetricCursor({ key: last.key, step: last.step, first: lastIndex!, second: 0 }) : null,
    };
  }

  async getMetricOutline(id: string, key: string, query: MetricOutlineQuery): Promise<MetricOutline> {
    const points = (this.runs.get(id)?.points ?? []).filter((p) => p.key === key);
    // Array.prototype.sort is stable: points of one step keep their logging order.
    return outlineOfPoints(key, points.sort((a, b) => a.step - b.step), query);
  }

  async getMetricSummaries(id: string | readonly string[]): Promise<MetricSummary[]> {
    return this.runsOf(id).flatMap((run) => [...run.summaries.values()].map((s) => ({ ...s })).sort((a, b) => compareText(a.key, b.key)));
  }

  async getEvaluationResults(id: string | readonly string[], benchmark?: string): Promise<EvaluationRecord[]> {
    const evaluations = this.runsOf(id).flatMap((run) => run.evaluations);
    return structuredClone(benchmark === undefined ? evaluations : evaluations.filter((e) => e.benchmark === benchmark));
  }

  /** The stored runs of one id or several, in the order given, unknown ids skipped. */
  private runsOf(id: string | readonly string[]): StoredRun[] {
    const ids = typeof id === 'string' ? [id] : id;
    return ids.flatMap((one) => this.runs.get(one) ?? []);
  }

  async getEvaluationSamples(id: string, benchmark?: string): Promise<StoredEvaluationSample[]> {
    const samples = this.runs.get(id)?.samples ?? [];
    return structuredClone(benchmark === undefined ? samples : samples.filter((s) => s.benchmark === benchmark));
  }

  async getCheckpoints(id: string): Promise<CheckpointRecord[]> {
    return structuredClone(this.runs.get(id)?.checkpoints ?? []);
  }

  async getStats(): Promise<StoreStats> {
    const byStatus = Object.fromEntries(EXPERIMENT_STATUSES.map((s) => [s, 0])) as Record<ExperimentStatus, number>;
    const stats: StoreStats = { experiments: this.runs.size, byStatus, metricPoints: 0, evaluations: 0, samples: 0, checkpoints: 0, sizeBytes: null, oldest: null, newest: null };
    for (const run of this.runs.values()) {
      const { status, createdAt } = run.experiment;
      byStatus[status] += 1;
      stats.metricPoints += run.points.length;
      stats.evaluations += run.evaluations.length;
      stats.samples += run.samples.length;
      stats.checkpoints += run.checkpoints.length;
      stats.oldest = stats.oldest === null ? createdAt : Math.min(stats.oldest, createdAt);
      stats.newest = stats.newest === null ? createdAt : Math.max(stats.newest, createdAt);
    }
    return stats;
  }

  async deleteExperiment(id: string): Promise<boolean> {
    this.artifactRows.deleteExperiment(id);
    return this.runs.delete(id);
  }

  getArtifacts(experimentId: string): Promise<ArtifactRecord[]> {
    return this.artifacts.getArtifacts(experimentId);
  }

  readArtifact(experimentId: string, name: string, options?: ReadArtifactOptions): Promise<Uint8Array> {
    return this.artifacts.readArtifact(experimentId, name, options);
  }

  readArtifactStream(experimentId: string, name: string, options?: ReadArtifactOptions): Promise<AsyncIterable<Uint8Array>> {
    return this.artifacts.readArtifactStream(experimentId, name, options);
  }

  getArtifactLineage(experimentId: string): Promise<ArtifactLineage> {
    return this.artifacts.getArtifactLineage(experimentId);
  }

  getMedia(experimentId: string, key: string): Promise<MediaRecord[]> {
    return this.artifacts.getMedia(experimentId, key);
  }

  getMediaKeys(experimentId: string): Promise<MediaKey[]> {
    return this.artifacts.getMediaKeys(experimentId);
  }

  readMedia(experimentId: string, key: string, options: { step: number }): Promise<Uint8Array> {
    return this.artifacts.readMedia(experimentId, key, options);
  }

  /** Whether the blob store holds `digest`: what a tracking server asks before a client uploads it. */
  hasBlob(digest: string): Promise<boolean> {
    return this.artifacts.hasBlob(digest);
  }

  collectGarbage(options?: { dryRun?: boolean }): Promise<GarbageReport> {
    return this.artifacts.collectGarbage(options);
  }

  async getCachedResponse(key: string): Promise<string | undefined> {
    return this.responses.get(key);
  }

  async putCachedResponse(key: string, value: string): Promise<void> {
    this.responses.set(key, value);
  }
}

/** `getMetrics` order: key, step, then logging order (the index of the point in the run's log). */
function comparePoints(a: MetricPoint, ai: number, b: MetricPoint, bi: number): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : a.step - b.step || ai - bi;
}
