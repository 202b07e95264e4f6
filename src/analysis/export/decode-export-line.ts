/**
 * Turns the lines of a JSON Lines export into tracker events, checking each line as untrusted
 * input (the same checks as a version 1 export) and the order of the lines: the header first,
 * every record inside a run, each evaluation's samples complete, the `end` line last.
 * @module
 */
import type { TrackerEvent } from '../../core/backend.js';
import { ExptrackError, invalidInput } from '../../core/errors.js';
import type { EvaluationSample, JsonValue } from '../../core/types.js';
import { decodeJson, decodeNumber, requireArray, requireObject } from './export-format.js';
import { EXPORT_LINES_SCHEMA_VERSION } from './export-lines-format.js';
import { decodeCheckpoint, decodeEvaluation, num, readExperiment, readSample } from './import-experiments.js';
import { decodeOutputs } from './import-outputs.js';
import { checkTree, key_, time, validateExportedExperiment } from './validate-export.js';

/** The most points one `metrics` line may hold (the exporter writes 10,000). */
const MAX_POINTS_PER_LINE = 100_000;
/** The most samples one evaluation may announce: its samples are held until the last arrives. */
const MAX_SAMPLES_PER_EVALUATION = 1_000_000;

/** What one line gives: the events to write, and the run they belong to. */
export interface DecodedLine {
  events: TrackerEvent[];
  /** The run the line belongs to (undefined for the header and the end). */
  experimentId: string | undefined;
  /** Metric points on the line. */
  points: number;
  /** Artifacts and images left out for want of their bytes. */
  withoutBytes: number;
}

/**
 * Reads the lines of one export in order. Errors name the line and the field (`line 17.values[3]`)
 * and the value found.
 */
export class ExportLineDecoder {
  private started = false;
  private ended = false;
  private experimentId: string | undefined;
  private experiments = 0;
  private evaluation: { event: Extract<TrackerEvent, { type: 'evaluation' }>; expected: number; samples: EvaluationSample[]; line: number } | undefined;

  constructor(private readonly artifactsDir: string | undefined) {}

  /** Ids in the order their `experiment` lines came. */
  readonly ids: string[] = [];
  private readonly seen = new Set<string>();

  async decode(text: string, number: number): Promise<DecodedLine> {
    const at = `line ${number}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ExptrackError(`${at} is not valid JSON: ${(error as Error).message}`, { code: 'parse_error', field: at, value: text.slice(0, 80) });
    }
    const line = requireObject(parsed, at);
    if (this.ended) throw invalidInput(at, line.type, 'comes after the end line');
    if (!this.started) return this.header(line, at);
    checkTree(line, at);
    const type = line.type;
    if (this.evaluation !== undefined && type !== 'samples') {
      throw invalidInput(`${at}.type`, type, `must be "samples": the evaluation on line ${this.evaluation.line} announced ${this.evaluation.expected} samples, ${this.evaluation.samples.length} came`);
    }
    if (type === 'end') return this.end(line, at);
    if (type === 'experiment') return this.experiment(line, at);
    const id = this.experimentId;
    if (id === undefined) throw invalidInput(`${at}.type`, type, 'must be "experiment": records come after the experiment they belong to');
    const only = (events: TrackerEvent[], points = 0): DecodedLine => ({ events, experimentId: id, points, withoutBytes: 0 });
    switch (type) {
      case 'metrics':
        return only([metricsEvent(line, id, at)], (line.steps as unknown[]).length);
      case 'evaluation':
        return only(this.startEvaluation(line, id, at, number));
      case 'samples':
        return only(this.samples(line, at));
      case 'checkpoint':
        return only([decodeCheckpoint(line, id, at)]);
      case 'artifact':
      case 'artifact_use':
      case 'media': {
        const field = type === 'artifact' ? 'artifacts' : type === 'artifact_use' ? 'artifactUses' : 'media';
        const record = type === 'artifact' ? line.artifact : type === 'artifact_use' ? line.use : line.media;
        const outputs = await decodeOutputs({ [field]: [record] }, id, at, this.artifactsDir);
        return { events: outputs.events, experimentId: id, points: 0, withoutBytes: outputs.withoutBytes };
      }
      default:
        throw invalidInput(`${at}.type`, type, 'must be one of experiment, metrics, evaluation, samples, checkpoint, artifact, artifact_use, media, end');
    }
  }

  /** Throws unless the export ended with its `end` line (a cut-off file is not a whole export). */
  finish(lastLine: number): void {
    if (!this.started) throw invalidInput('json', '', 'is empty: an export starts with its header line');
    if (!this.ended) throw invalidInput(`line ${lastLine + 1}`, '(end of file)', 'must be the end line: the export was cut off (was the disk full while it was written?)');
  }

  private header(line: Record<string, unknown>, at: string): DecodedLine {
    if (line.format !== 'exptrack-export') throw invalidInput(`${at}.format`, line.format, 'must be "exptrack-export" (not an exptrack export)');
    if (line.schemaVersion !== EXPORT_LINES_SCHEMA_VERSION) {
      if (typeof line.schemaVersion === 'number' && line.schemaVersion > EXPORT_LINES_SCHEMA_VERSION) {
        throw new ExptrackError(`the export has schemaVersion ${line.schemaVersion}; this version of exptrack reads up to ${EXPORT_LINES_SCHEMA_VERSION}: upgrade exptrack`, { code: 'unsupported', field: `${at}.schemaVersion`, value: line.schemaVersion });
      }
      throw invalidInput(`${at}.schemaVersion`, line.schemaVersion, `must be ${EXPORT_LINES_SCHEMA_VERSION}`);
    }
    this.started = true;
    return { events: [], experimentId: undefined, points: 0, withoutBytes: 0 };
  }

  private end(line: Record<string, unknown>, at: string): DecodedLine {
    if (line.experiments !== this.experiments) throw invalidInput(`${at}.experiments`, line.experiments, `must be ${this.experiments}, the number of experiment lines`);
    this.ended = true;
    this.experimentId = undefined;
    return { events: [], experimentId: undefined, points: 0, withoutBytes: 0 };
  }

  private experiment(line: Record<string, unknown>, at: string): DecodedLine {
    validateExportedExperiment({ experiment: line.experiment, metrics: [] }, at);
    const experiment = readExperiment(decodeJson(requireObject(line.experiment, `${at}.experiment`)) as Record<string, JsonValue>, `${at}.experiment`);
    if (this.seen.has(experiment.id)) throw new ExptrackError(`the export holds experiment ${experiment.id} twice (${at})`, { code: 'invalid_input', field: `${at}.experiment.id`, value: experiment.id });
    this.ids.push(experiment.id);
    this.seen.add(experiment.id);
    this.experiments++;
    this.experimentId = experiment.id;
    return { events: [{ type: 'experiment_started', experiment }], experimentId: experiment.id, points: 0, withoutBytes: 0 };
  }

  private startEvaluation(line: Record<string, unknown>, id: string, at: string, number: number): TrackerEvent[] {
    key_(line.benchmark, `${at}.benchmark`);
    for (const key of Object.keys(requireObject(line.metrics, `${at}.metrics`))) key_(key, `${at}.metrics`);
    time(line.createdAt, `${at}.createdAt`);
    const expected = line.sampleCount;
    if (typeof expected !== 'number' || !Number.isSafeInteger(expected) || expected < 0 || expected > MAX_SAMPLES_PER_EVALUATION) {
      throw invalidInput(`${at}.sampleCount`, expected, `must be an integer in 0..${MAX_SAMPLES_PER_EVALUATION}`);
    }
    const event: Extract<TrackerEvent, { type: 'evaluation' }> = { type: 'evaluation', experimentId: id, evaluation: decodeEvaluation(line, at), samples: [] };
    if (expected === 0) return [event];
    this.evaluation = { event, expected, samples: [], line: number };
    return [];
  }

  private samples(line: Record<string, unknown>, at: string): TrackerEvent[] {
    const pending = this.evaluation;
    if (pending === undefined) throw invalidInput(`${at}.type`, 'samples', 'must follow an evaluation line that announced samples');
    const samples = requireArray(line.samples, `${at}.samples`);
    if (pending.samples.length + samples.length > pending.expected) {
      throw invalidInput(`${at}.samples`, `${samples.length} samples`, `are more than the ${pending.expected} the evaluation on line ${pending.line} announced`);
    }
    samples.forEach((s, k) => pending.samples.push(readSample(s, `${at}.samples[${k}]`)));
    if (pending.samples.length < pending.expected) return [];
    this.evaluation = undefined;
    return [{ ...pending.event, samples: pending.samples }];
  }
}

/** A `metrics` line as the event that stores it: columns of one key and one rank. */
function metricsEvent(line: Record<string, unknown>, id: string, at: string): TrackerEvent {
  key_(line.key, `${at}.key`);
  const rank = line.rank;
  if (typeof rank !== 'number' || !Number.isSafeInteger(rank) || rank < 0) throw invalidInput(`${at}.rank`, rank, 'must be an integer >= 0');
  const steps = requireArray(line.steps, `${at}.steps`);
  const values = requireArray(line.values, `${at}.values`);
  const timestamps = requireArray(line.timestamps, `${at}.timestamps`);
  if (steps.length > MAX_POINTS_PER_LINE) throw invalidInput(`${at}.steps`, `${steps.length} points`, `must hold at most ${MAX_POINTS_PER_LINE} points`);
  if (values.length !== steps.length || timestamps.length !== steps.length) {
    throw invalidInput(`${at}.values`, `${values.length} values and ${timestamps.length} timestamps for ${steps.length} steps`, 'must be as many as the steps');
  }
  return {
    type: 'metrics',
    experimentId: id,
    points: {
      keys: new Array<string>(steps.length).fill(line.key as string),
      steps: steps.map((s, i) => num(s, `${at}.steps[${i}]`)),
      values: values.map((v, i) => decodeNumber(v, `${at}.values[${i}]`)),
      timestamps: timestamps.map((t, i) => {
        time(t, `${at}.timestamps[${i}]`);
        return t as number;
      }),
      rank,
    },
  };
}
