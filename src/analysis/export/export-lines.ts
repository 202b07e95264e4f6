/**
 * Writes a store as JSON Lines (schema version 2) a run at a time and a page of points at a
 * time: the memory an export takes does not grow with the store.
 * @module
 */
import type { ExperimentReader, MetricPage } from '../../core/backend.js';
import type { ArtifactReader } from '../../core/artifacts.js';
import { ExptrackError } from '../../core/errors.js';
import type { Experiment, MetricPoint } from '../../core/types.js';
import { requireReader } from '../internal/options.js';
import { resolveFilter } from '../internal/resolve-filter.js';
import type { ExportAllOptions } from './export-all.js';
import { encodeJson, encodeNumber, encodeNumbers, type ExportedJson, type ExportedSample } from './export-format.js';
import { withSamples } from './export-experiment.js';
import { EXPORT_LINES_SCHEMA_VERSION, POINTS_PER_LINE, type ExportLine } from './export-lines-format.js';

/**
 * Options of {@link exportLines}.
 *
 * @example
 * ```ts
 * const options: ExportLinesOptions = { filter: 'tags.stage = "sft"' };
 * const one: ExportLinesOptions = { ids: ['exp_20260101_abc'] };
 * ```
 */
export interface ExportLinesOptions extends ExportAllOptions {
  /** Only these experiments, in this order (instead of every one the filter selects, oldest first). */
  ids?: readonly string[];
}

/** Points read from the store per page. */
const PAGE = 50_000;
/** A `samples` line holds at most this many samples, and stops growing past about 1 MiB. */
const SAMPLES_PER_LINE = 1000;
const SAMPLE_BYTES_PER_LINE = 1024 * 1024;

/**
 * Exports experiments as the lines of a JSON Lines export (see {@link ExportLine}): the header,
 * each run (its record, its metric points a page at a time, evaluations with their samples,
 * checkpoints, artifacts, uses and media), then the `end` line. Write each line as
 * `JSON.stringify(line) + '\n'`; `importExportFile` restores the file into any backend. The points
 * are read with `getMetricPage` where the store has it (SQLite, Postgres, memory, a tracking
 * server), so memory stays bounded by a page, not by the store; NaN and ±Infinity survive as in
 * {@link exportExperiment}.
 *
 * @param store - Any readable backend.
 * @param options - A filter, or the ids to export.
 * @returns The lines, as an async iterable.
 * @throws ExptrackError `parse_error` for a malformed filter; `not_found` for an id in `ids` the store lacks.
 *
 * @example
 * ```ts
 * import { exportLines } from 'exptrack/analysis';
 * import { createWriteStream } from 'node:fs';
 * const out = createWriteStream('runs.jsonl');
 * for await (const line of exportLines(store)) out.write(JSON.stringify(line) + '\n');
 * out.end();
 * ```
 */
export async function* exportLines(store: ExperimentReader, options: ExportLinesOptions = {}): AsyncGenerator<ExportLine> {
  const reader = requireReader(store);
  yield { type: 'header', format: 'exptrack-export', schemaVersion: EXPORT_LINES_SCHEMA_VERSION, exportedAt: new Date().toISOString() };
  let count = 0;
  for await (const experiment of selected(reader, options)) {
    yield* experimentLines(reader, experiment);
    count++;
  }
  yield { type: 'end', experiments: count };
}

/** The experiments to export: the ids given, or those the filter selects, oldest first (read a page at a time). */
async function* selected(reader: ExperimentReader, options: ExportLinesOptions): AsyncGenerator<Experiment> {
  if (options.ids !== undefined) {
    for (const id of options.ids) {
      const experiment = await reader.getExperiment(id);
      if (experiment === undefined) throw new ExptrackError(`no experiment with id ${JSON.stringify(id)}`, { code: 'not_found', field: 'id', value: id });
      yield experiment;
    }
    return;
  }
  const where = resolveFilter(options.filter);
  const limit = 500;
  for (let offset = 0; ; offset += limit) {
    const page = await reader.getAllExperiments({ ...(where === undefined ? {} : { where }), sort: 'created', direction: 'asc', limit, offset });
    yield* page;
    if (page.length < limit) return;
  }
}

async function* experimentLines(reader: ExperimentReader, experiment: Experiment): AsyncGenerator<ExportLine> {
  const id = experiment.id;
  yield { type: 'experiment', experiment: encodeJson(experiment) as Record<string, ExportedJson> };
  yield* metricLines(pointPages(reader, id));
  const [evaluations, samples, checkpoints] = await Promise.all([reader.getEvaluationResults(id), reader.getEvaluationSamples(id), reader.getCheckpoints(id)]);
  for (const { samples: own, ...evaluation } of withSamples(evaluations, samples)) {
    yield { type: 'evaluation', ...evaluation, sampleCount: own.length };
    yield* sampleLines(own);
  }
  for (const c of checkpoints) {
    yield { type: 'checkpoint', path: c.path, step: c.step, metrics: encodeNumbers(c.metrics), sizeBytes: c.sizeBytes, sha256: c.sha256, fileCount: c.fileCount, createdAt: c.createdAt };
  }
  if ((reader as Partial<{ capabilities: { artifacts?: boolean } }>).capabilities?.artifacts !== true) return;
  const artifacts = reader as ExperimentReader & ArtifactReader;
  const [records, lineage, keys] = await Promise.all([artifacts.getArtifacts(id), artifacts.getArtifactLineage(id), artifacts.getMediaKeys(id)]);
  for (const { experimentId: _, metadata, ...rest } of records) yield { type: 'artifact', artifact: { ...rest, metadata: encodeJson(metadata) as Record<string, ExportedJson> } };
  for (const use of lineage.used) yield { type: 'artifact_use', use };
  for (const key of keys) for (const media of await artifacts.getMedia(id, key.key)) yield { type: 'media', media };
}

/** The run's points a page at a time; a store without pages is read one key at a time. */
async function* pointPages(reader: ExperimentReader, id: string): AsyncGenerator<readonly MetricPoint[]> {
  if (typeof reader.getMetricPage === 'function') {
    let page: MetricPage = await reader.getMetricPage(id, { limit: PAGE });
    yield page.points;
    while (page.next !== null) {
      page = await reader.getMetricPage(id, { limit: PAGE, after: page.next });
      yield page.points;
    }
    return;
  }
  for (const summary of await reader.getMetricSummaries(id)) yield await reader.getMetrics(id, summary.key);
}

/**
 * Cuts the points into lines of one key and one rank, at most {@link POINTS_PER_LINE} each. Ranks
 * that log the same steps interleave in `getMetrics` order; each rank gets its own line (kept in
 * order within the rank), so a run of 8 ranks is 8 lines per 10,000 steps, not a line per point.
 */
async function* metricLines(pages: AsyncIterable<readonly MetricPoint[]>): AsyncGenerator<ExportLine> {
  type MetricsLine = Extract<ExportLine, { type: 'metrics' }>;
  let key: string | undefined;
  let byRank = new Map<number, MetricsLine>();
  for await (const points of pages) {
    for (const p of points) {
      if (p.key !== key) {
        yield* byRank.values();
        byRank = new Map();
        key = p.key;
      }
      let line = byRank.get(p.rank);
      if (line === undefined) {
        line = { type: 'metrics', key: p.key, rank: p.rank, steps: [], values: [], timestamps: [] };
        byRank.set(p.rank, line);
      }
      line.steps.push(p.step);
      line.values.push(encodeNumber(p.value));
      line.timestamps.push(p.timestamp);
      if (line.steps.length >= POINTS_PER_LINE) {
        yield line;
        byRank.delete(p.rank);
      }
    }
  }
  yield* byRank.values();
}

function* sampleLines(samples: readonly ExportedSample[]): Generator<ExportLine> {
  let chunk: ExportedSample[] = [];
  let bytes = 0;
  for (const sample of samples) {
    chunk.push(sample);
    bytes += JSON.stringify(sample).length;
    if (chunk.length >= SAMPLES_PER_LINE || bytes >= SAMPLE_BYTES_PER_LINE) {
      yield { type: 'samples', samples: chunk };
      chunk = [];
      bytes = 0;
    }
  }
  if (chunk.length > 0) yield { type: 'samples', samples: chunk };
}


