/**
 * The JSON Lines export (schema version 2): one small JSON object per line, so that writing and
 * reading a 20,000,000-point store takes memory for one line at a time, not for the store.
 * @module
 */
import type { ArtifactUse, MediaRecord } from '../../core/artifacts.js';
import type { ExportedArtifact, ExportedCheckpoint, ExportedJson, ExportedNumber, ExportedSample } from './export-format.js';

/**
 * The schema version of the JSON Lines export that {@link exportLines} writes (version 1 is the
 * single JSON document of `exportAll`; `importExportFile` reads both).
 *
 * @example
 * ```ts
 * import { EXPORT_LINES_SCHEMA_VERSION } from 'exptrack/analysis';
 * EXPORT_LINES_SCHEMA_VERSION; // 2
 * ```
 */
export const EXPORT_LINES_SCHEMA_VERSION = 2;

/**
 * The longest line an import reads, in bytes (64 MiB): a longer one is refused with an error
 * naming its line number, so a hostile file cannot make the reader buffer without bound.
 *
 * @example
 * ```ts
 * import { MAX_EXPORT_LINE_BYTES } from 'exptrack/analysis';
 * MAX_EXPORT_LINE_BYTES; // 67108864
 * ```
 */
export const MAX_EXPORT_LINE_BYTES = 64 * 1024 * 1024;

/** At most this many points on one `metrics` line. */
export const POINTS_PER_LINE = 10_000;

/**
 * One line of a JSON Lines export. The first line is the `header`; each run starts with its
 * `experiment` line, followed by what was logged to it (`metrics` lines of up to 10,000 points of
 * one key and rank, each `evaluation` followed by `samples` lines holding its `sampleCount` samples,
 * then checkpoints, artifacts, artifact uses and media); the last line is `end`, so a cut-off file
 * is told from a whole one. Numbers are encoded as in version 1 (`"NaN"`, `{ "$number": "NaN" }`).
 *
 * @example
 * ```ts
 * import type { ExportLine } from 'exptrack/analysis';
 * const line: ExportLine = { type: 'metrics', key: 'loss', rank: 0, steps: [1, 2], values: [0.5, 'NaN'], timestamps: [1767225600000, 1767225600100] };
 * ```
 */
export type ExportLine =
  | { type: 'header'; format: 'exptrack-export'; schemaVersion: typeof EXPORT_LINES_SCHEMA_VERSION; exportedAt: string }
  | { type: 'experiment'; experiment: Record<string, ExportedJson> }
  | { type: 'metrics'; key: string; rank: number; steps: number[]; values: ExportedNumber[]; timestamps: number[] }
  | {
      type: 'evaluation';
      benchmark: string;
      metrics: Record<string, ExportedNumber>;
      metadata: Record<string, ExportedJson>;
      step: number | null;
      createdAt: number;
      sampleCount: number;
    }
  | { type: 'samples'; samples: ExportedSample[] }
  | ({ type: 'checkpoint' } & ExportedCheckpoint)
  | { type: 'artifact'; artifact: ExportedArtifact }
  | { type: 'artifact_use'; use: ArtifactUse }
  | { type: 'media'; media: MediaRecord }
  | { type: 'end'; experiments: number };
