/**
 * Loading MATH from a local path: the Hendrycks layout (`<dir>/<split>/<subject>/<n>.json`), a
 * directory with `<split>.jsonl`, a JSONL file, or a JSON file holding an array (MATH-500 fields
 * `problem`, `solution`, `answer`, `subject`, `level`, `unique_id` are read when present).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExptrackError } from '../../../core/errors.js';
import { parseJsonl } from '../../data/jsonl.js';
import { lastBoxedAnswer } from './boxed.js';

/**
 * One MATH problem.
 *
 * @example
 * ```ts
 * import type { MathRecord } from 'exptrack/eval';
 * const r: MathRecord = { id: 'test/algebra/1.json', problem: '1+1?', solution: '$\\boxed{2}$', answer: '2', subject: 'algebra', level: 1 };
 * ```
 */
export interface MathRecord {
  /** `unique_id` when given, else the file and position. */
  id: string;
  problem: string;
  solution: string;
  /** The last `\boxed{}` of the solution; the `answer` field when the solution has none. */
  answer: string;
  subject: string | null;
  level: number | null;
}

/**
 * Reads MATH problems from a local path.
 *
 * @param source - a Hendrycks MATH directory, a directory with `<split>.jsonl`, a `.jsonl` file or a `.json` file
 * @param split - `test` or `train` (for directories)
 * @returns the records, in a stable order (subjects and file numbers ascending for the Hendrycks layout)
 * @throws ExptrackError `not_found` for a missing path, `parse_error` for a record without a
 * problem or without any answer
 * @example
 * ```ts
 * import { loadMathRecords } from 'exptrack/eval';
 * const problems = await loadMathRecords('./MATH-500/test.jsonl', 'test');
 * ```
 */
export async function loadMathRecords(source: string, split: string): Promise<MathRecord[]> {
  const info = await stat(source).catch(() => undefined);
  if (!info) throw new ExptrackError(`MATH source ${source} does not exist`, { code: 'not_found', field: 'source', value: source });
  if (info.isFile()) return parseFile(source, await readFile(source, 'utf8'));
  const splitJsonl = join(source, `${split}.jsonl`);
  if (await stat(splitJsonl).catch(() => undefined)) return parseFile(splitJsonl, await readFile(splitJsonl, 'utf8'));
  const splitDir = join(source, split);
  const subjects = (await readdir(splitDir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  if (subjects.length === 0) {
    throw new ExptrackError(`no MATH data for split ${split} under ${source} (expected ${split}.jsonl or ${split}/<subject>/<n>.json)`, {
      code: 'not_found',
      field: 'source',
      value: source,
    });
  }
  const out: MathRecord[] = [];
  for (const subject of subjects) {
    const files = (await readdir(join(splitDir, subject))).filter((f) => f.endsWith('.json'));
    files.sort((a, b) => (parseInt(a, 10) || 0) - (parseInt(b, 10) || 0) || a.localeCompare(b));
    for (const f of files) {
      const rel = `${split}/${subject}/${f}`;
      let value: unknown;
      try {
        value = JSON.parse(await readFile(join(splitDir, subject, f), 'utf8'));
      } catch (cause) {
        throw new ExptrackError(`${rel} is not valid JSON`, { code: 'parse_error', field: rel, cause });
      }
      out.push(toRecord(value, rel, subject));
    }
  }
  return out;
}

function parseFile(path: string, text: string): MathRecord[] {
  if (/\.jsonl$/i.test(path)) return parseJsonl(text, path).map(({ line, value }) => toRecord(value, `${path}:${line + 1}`, null));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ExptrackError(`${path} is not valid JSON`, { code: 'parse_error', field: path, cause });
  }
  const items = Array.isArray(value) ? value : [value];
  return items.map((v, i) => toRecord(v, `${path}[${i}]`, null));
}

function toRecord(value: unknown, where: string, subjectFromPath: string | null): MathRecord {
  if (value === null || typeof value !== 'object') throw new ExptrackError(`${where} is not a JSON object`, { code: 'parse_error', field: where });
  const v = value as Record<string, unknown>;
  if (typeof v.problem !== 'string') throw new ExptrackError(`${where} has no string field problem`, { code: 'parse_error', field: where });
  const solution = typeof v.solution === 'string' ? v.solution : '';
  const answer = lastBoxedAnswer(solution) ?? (typeof v.answer === 'string' ? v.answer : null);
  if (answer === null) throw new ExptrackError(`${where} has neither a boxed answer in its solution nor an answer field`, { code: 'parse_error', field: where });
  const subject = typeof v.subject === 'string' ? v.subject : typeof v.type === 'string' ? v.type : subjectFromPath;
  const levelRaw = v.level;
  const level = typeof levelRaw === 'number' ? levelRaw : typeof levelRaw === 'string' ? Number(/\d+/.exec(levelRaw)?.[0] ?? NaN) : NaN;
  return {
    id: typeof v.unique_id === 'string' ? v.unique_id : where,
    problem: v.problem,
    solution,
    answer,
    subject,
    level: Number.isFinite(level) ? level : null,
  };
}
