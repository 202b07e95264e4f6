/**
 * Restores a JSON Lines export into a backend in two passes over the file: the first checks every
 * line (a malformed or hostile export writes nothing) and collects the ids; the second writes, a
 * bounded batch at a time. Memory holds a line and a batch, never the file.
 * @module
 */
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { isReadable, type Backend, type TrackerEvent } from '../../core/backend.js';
import { ExptrackError, invalidInput } from '../../core/errors.js';
import { ExportLineDecoder } from './decode-export-line.js';
import { MAX_EXPORT_LINE_BYTES } from './export-lines-format.js';
import { importExperiments, type ImportOptions, type ImportResult } from './import-experiments.js';
import { splitLines } from './split-lines.js';

/**
 * How far an import is, for a progress display.
 *
 * @example
 * ```ts
 * const show = (p: ImportProgress) => process.stderr.write(`\r${p.phase}: ${p.points} points`);
 * ```
 */
export interface ImportProgress {
  /** `check` reads the whole export before anything is written; `write` writes it. */
  phase: 'check' | 'write';
  /** Lines read so far in this phase. */
  lines: number;
  experiments: number;
  points: number;
}

/**
 * Options of {@link importExportLines} and {@link importExportFile}.
 *
 * @example
 * ```ts
 * const options: ImportLinesOptions = { onConflict: 'skip', onProgress: (p) => void p };
 * ```
 */
export interface ImportLinesOptions extends ImportOptions {
  /** Called every few thousand lines and at the end of each phase. */
  onProgress?: (progress: ImportProgress) => void;
  /**
   * The longest line read, in bytes.
   * @defaultValue {@link MAX_EXPORT_LINE_BYTES}
   */
  maxLineBytes?: number;
}

/** Points written per `backend.write` call. */
const POINTS_PER_WRITE = 50_000;
const EVENTS_PER_WRITE = 500;
const PROGRESS_EVERY_LINES = 200;

/**
 * Restores a JSON Lines export (written by {@link exportLines}) into any backend. `open` is called
 * twice, for two passes: the first checks every line as untrusted input (nesting, string sizes,
 * ids, keys, timestamps, numbers, the order of the lines, a cut-off file) and finds ids the backend
 * holds already; only then does the second write, in batches of at most 50,000 points. Memory holds
 * one line (at most `maxLineBytes`) and one batch, whatever the size of the export.
 *
 * @param backend - The backend to write into.
 * @param openSource - Returns the export's bytes from the start, each time it is called.
 * @param options - Conflicts, the artifacts directory, progress, the line bound.
 * @returns The ids imported and skipped, and how many events were written.
 * @throws ExptrackError `invalid_input` or `parse_error` naming the line and field (`line 17.values[3]`)
 * and the value; `unsupported` for an export of a newer schema; `already_exists` with
 * `onConflict: 'error'` (nothing is written then); the backend's own error when a write fails.
 *
 * @example
 * ```ts
 * import { importExportLines } from 'exptrack/analysis';
 * import { createReadStream } from 'node:fs';
 * const result = await importExportLines(backend, () => createReadStream('runs.jsonl'));
 * ```
 */
export async function importExportLines(backend: Backend, openSource: () => AsyncIterable<Uint8Array | string>, options: ImportLinesOptions = {}): Promise<ImportResult> {
  if (typeof backend !== 'object' || backend === null || typeof (backend as Partial<Backend>).write !== 'function') {
    throw invalidInput('backend', backend, 'must be a backend (it has write(events))');
  }
  const onConflict = options.onConflict ?? 'error';
  if (onConflict !== 'error' && onConflict !== 'skip') throw invalidInput('onConflict', onConflict, "must be 'error' or 'skip'");
  const maxLineBytes = options.maxLineBytes ?? MAX_EXPORT_LINE_BYTES;
  if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1024) throw invalidInput('maxLineBytes', maxLineBytes, 'must be an integer >= 1024');

  const checked = await pass(openSource, maxLineBytes, options, 'check', () => undefined);
  const existing = new Set<string>();
  if (isReadable(backend)) {
    for (const id of checked.ids) if ((await backend.getExperiment(id)) !== undefined) existing.add(id);
    const first = checked.ids.find((id) => existing.has(id));
    if (first !== undefined && onConflict === 'error') {
      throw new ExptrackError(`experiment ${first} exists already in ${backend.name}; nothing was imported (use onConflict: 'skip')`, { code: 'already_exists', field: 'id', value: first, backend: backend.name });
    }
  }

  const result: ImportResult = { imported: checked.ids.filter((id) => !existing.has(id)), skipped: checked.ids.filter((id) => existing.has(id)), events: 0, withoutBytes: 0 };
  let batch: TrackerEvent[] = [];
  let batchPoints = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await backend.write(batch);
    result.events += batch.length;
    batch = [];
    batchPoints = 0;
  };
  const written = await pass(openSource, maxLineBytes, options, 'write', async (line) => {
    if (line.experimentId === undefined || existing.has(line.experimentId)) return;
    result.withoutBytes += line.withoutBytes;
    batch.push(...line.events);
    batchPoints += line.points;
    if (batchPoints >= POINTS_PER_WRITE || batch.length >= EVENTS_PER_WRITE) await flush();
  });
  await flush();
  if (written.ids.length !== checked.ids.length) throw new ExptrackError('the export changed between the check and the import', { code: 'invalid_input', field: 'json' });
  return result;
}

/** One pass over the export: every line decoded and checked, handed to `use`. */
async function pass(
  openSource: () => AsyncIterable<Uint8Array | string>,
  maxLineBytes: number,
  options: ImportLinesOptions,
  phase: ImportProgress['phase'],
  use: (line: Awaited<ReturnType<ExportLineDecoder['decode']>>) => Promise<void> | void,
): Promise<{ ids: string[] }> {
  const decoder = new ExportLineDecoder(options.artifactsDir);
  const progress: ImportProgress = { phase, lines: 0, experiments: 0, points: 0 };
  let last = 0;
  for await (const { text, number } of splitLines(openSource(), maxLineBytes)) {
    const line = await decoder.decode(text, number);
    await use(line);
    last = number;
    progress.lines++;
    progress.points += line.points;
    progress.experiments = decoder.ids.length;
    if (progress.lines % PROGRESS_EVERY_LINES === 0) options.onProgress?.({ ...progress });
  }
  decoder.finish(last);
  options.onProgress?.({ ...progress });
  return { ids: decoder.ids };
}

/**
 * Restores an export file into any backend: a JSON Lines export ({@link exportLines},
 * `exptrack export`) is streamed with {@link importExportLines}; a version 1 export (one JSON
 * document, {@link exportAll}) is read whole with {@link importExperiments}, as before.
 *
 * @param backend - The backend to write into.
 * @param path - The export file.
 * @param options - Conflicts, the artifacts directory, progress, the line bound.
 * @returns What was imported.
 * @throws ExptrackError as {@link importExportLines} and {@link importExperiments} do.
 *
 * @example
 * ```ts
 * import { importExportFile } from 'exptrack/analysis';
 * const { imported } = await importExportFile(backend, 'runs.jsonl', { onConflict: 'skip' });
 * ```
 */
export async function importExportFile(backend: Backend, path: string, options: ImportLinesOptions = {}): Promise<ImportResult> {
  if (!(await isLinesExport(path))) {
    const { onProgress: _, maxLineBytes: __, ...rest } = options;
    return importExperiments(backend, await readFile(path, 'utf8'), rest);
  }
  return importExportLines(backend, () => createReadStream(path, { highWaterMark: 1024 * 1024 }), options);
}

/** Whether the file's first line is the header of a JSON Lines export (a version 1 export is one JSON document). */
async function isLinesExport(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const text = head.subarray(0, bytesRead).toString('utf8');
    const newline = text.indexOf('\n');
    if (newline < 0) return false;
    try {
      const first = JSON.parse(text.slice(0, newline)) as { type?: unknown };
      return typeof first === 'object' && first !== null && first.type === 'header';
    } catch {
      return false;
    }
  } finally {
    await handle.close();
  }
}
