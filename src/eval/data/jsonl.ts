/**
 * Reading JSON Lines.
 */
import { ExptrackError } from '../../core/errors.js';

/**
 * Parses JSON Lines: one JSON object per non-blank line.
 *
 * @param text - the file's text
 * @param source - the file's name, for error messages
 * @returns the objects with their 0-based line numbers
 * @throws ExptrackError `parse_error` naming the line that is not a JSON object
 * @example
 * ```ts
 * import { parseJsonl } from 'exptrack/eval';
 * parseJsonl('{"a":1}\n{"a":2}\n', 'x.jsonl'); // [{ line: 0, value: { a: 1 } }, { line: 1, value: { a: 2 } }]
 * ```
 */
export function parseJsonl(text: string, source: string): Array<{ line: number; value: Record<string, unknown> }> {
  const out: Array<{ line: number; value: Record<string, unknown> }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (cause) {
      throw new ExptrackError(`${source}:${i + 1} is not valid JSON`, { code: 'parse_error', field: `${source}:${i + 1}`, cause });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ExptrackError(`${source}:${i + 1} is not a JSON object`, { code: 'parse_error', field: `${source}:${i + 1}`, value });
    }
    out.push({ line: i, value: value as Record<string, unknown> });
  }
  return out;
}
