import type { ExperimentReader } from '../../core/backend.js';
import type { ArtifactReader } from '../../core/artifacts.js';
import { ExptrackError } from '../../core/errors.js';
import type { EvaluationRecord, Experiment, StoredEvaluationSample } from '../../core/types.js';
import { requireReader } from '../internal/options.js';
import {
  EXPORT_SCHEMA_VERSION,
  encodeJson,
  encodeNumber,
  encodeNumbers,
  type ExportedEvaluation,
  type ExportedExperiment,
  type ExportedSample,
  type ExptrackExport,
} from './export-format.js';

/**
 * Exports one experiment and everything logged to it (config, tags, git and environment, summary,
 * metric points, evaluations with their per-sample rows, checkpoints) as a JSON object that
 * {@link importExperiments} restores into any backend. NaN and ±Infinity survive: in numeric fields
 * they are the strings `"NaN"`, `"Infinity"` and `"-Infinity"`, in free-form fields (config,
 * summary, metadata) objects `{ "$number": "NaN" }`. `JSON.stringify` of the result loses nothing.
 *
 * @param store - Any readable backend.
 * @param id - The experiment's id.
 * @returns An export with `schemaVersion` 1 holding the one experiment.
 * @throws ExptrackError `not_found` naming the id when no experiment has it; `invalid_input` when
 * the store cannot be read.
 *
 * @example
 * ```ts
 * import { exportExperiment } from 'exptrack/analysis';
 * import { writeFile } from 'node:fs/promises';
 * const dump = await exportExperiment(store, 'exp_20260101_abc');
 * await writeFile('run.json', JSON.stringify(dump));
 * ```
 */
export async function exportExperiment(store: ExperimentReader, id: string): Promise<ExptrackExport> {
  const reader = requireReader(store);
  const experiment = await reader.getExperiment(id);
  if (experiment === undefined) throw new ExptrackError(`no experiment with id ${JSON.stringify(id)}`, { code: 'not_found', field: 'id', value: id });
  return wrap([await exportOne(reader, experiment)]);
}

/** @internal Everything logged to one experiment, encoded. */
export async function exportOne(store: ExperimentReader, experiment: Experiment): Promise<ExportedExperiment> {
  const [points, evaluations, samples, checkpoints] = await Promise.all([
    store.getMetrics(experiment.id),
    store.getEvaluationResults(experiment.id),
    store.getEvaluationSamples(experiment.id),
    store.getCheckpoints(experiment.id),
  ]);
  const outputs = await exportOutputs(store, experiment.id);
  return {
    ...outputs,
    experiment: encodeJson(experiment) as Record<string, ReturnType<typeof encodeJson>>,
    metrics: points.map((p) => ({ key: p.key, step: p.step, value: encodeNumber(p.value), timestamp: p.timestamp, rank: p.rank })),
    evaluations: withSamples(evaluations, samples),
    checkpoints: checkpoints.map((c) => ({
      path: c.path,
      step: c.step,
      metrics: encodeNumbers(c.metrics),
      sizeBytes: c.sizeBytes,
      sha256: c.sha256,
      fileCount: c.fileCount,
      createdAt: c.createdAt,
    })),
  };
}

/** The artifacts, uses and media of a run, when the store keeps them. */
async function exportOutputs(store: ExperimentReader, id: string): Promise<Pick<ExportedExperiment, 'artifacts' | 'artifactUses' | 'media'>> {
  if ((store as Partial<{ capabilities: { artifacts?: boolean } }>).capabilities?.artifacts !== true) return {};
  const reader = store as ExperimentReader & ArtifactReader;
  const [artifacts, lineage, keys] = await Promise.all([reader.getArtifacts(id), reader.getArtifactLineage(id), reader.getMediaKeys(id)]);
  const media = (await Promise.all(keys.map((k) => reader.getMedia(id, k.key)))).flat();
  return {
    artifacts: artifacts.map(({ experimentId: _, metadata, ...rest }) => ({ ...rest, metadata: encodeJson(metadata) as Record<string, ReturnType<typeof encodeJson>> })),
    artifactUses: lineage.used,
    media,
  };
}

/** @internal Wraps exported experiments into an export. */
export function wrap(experiments: ExportedExperiment[]): ExptrackExport {
  return { format: 'exptrack-export', schemaVersion: EXPORT_SCHEMA_VERSION, exportedAt: new Date().toISOString(), experiments };
}

/** @internal Gives each evaluation its samples: the samples of a benchmark come in logging order, `sampleCount` per evaluation. */
export function withSamples(evaluations: readonly EvaluationRecord[], samples: readonly StoredEvaluationSample[]): ExportedEvaluation[] {
  const queues = new Map<string, StoredEvaluationSample[]>();
  for (const sample of samples) {
    const queue = queues.get(sample.benchmark);
    if (queue === undefined) queues.set(sample.benchmark, [sample]);
    else queue.push(sample);
  }
  const taken = new Map<string, number>();
  return evaluations.map((evaluation) => {
    const queue = queues.get(evaluation.benchmark) ?? [];
    const start = taken.get(evaluation.benchmark) ?? 0;
    taken.set(evaluation.benchmark, start + evaluation.sampleCount);
    return {
      benchmark: evaluation.benchmark,
      metrics: encodeNumbers(evaluation.metrics),
      metadata: encodeJson(evaluation.metadata) as Record<string, ReturnType<typeof encodeJson>>,
      step: evaluation.step,
      createdAt: evaluation.createdAt,
      samples: queue.slice(start, start + evaluation.sampleCount).map(encodeSample),
    };
  });
}

function encodeSample(sample: StoredEvaluationSample): ExportedSample {
  const { experimentId: _experimentId, benchmark: _benchmark, score, latencyMs, promptTokens, completionTokens, metadata, ...rest } = sample;
  const out: ExportedSample = { ...rest };
  if (score !== undefined) out.score = score === null ? null : encodeNumber(score);
  if (latencyMs !== undefined) out.latencyMs = latencyMs === null ? null : encodeNumber(latencyMs);
  if (promptTokens !== undefined) out.promptTokens = promptTokens === null ? null : encodeNumber(promptTokens);
  if (completionTokens !== undefined) out.completionTokens = completionTokens === null ? null : encodeNumber(completionTokens);
  if (metadata !== undefined) out.metadata = encodeJson(metadata) as Record<string, ReturnType<typeof encodeJson>>;
  return out;
}
