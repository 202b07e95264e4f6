/**
 * lm-eval's `hellaswag` (Rowan/hellaswag), with its preprocessing of the WikiHow artifacts.
 */
import { MultipleChoiceBenchmark, type MultipleChoiceOptions } from '../../multiple-choice.js';
import { pythonStrip } from '../gsm8k/filters.js';
import { loadTaskSplit } from './data-dir.js';
import { checkGoldIndex, integerField, stringArrayField, stringField } from './fields.js';

/**
 * A HellaSwag row as Rowan/hellaswag publishes it (`label` is a string).
 *
 * @example
 * ```ts
 * import type { HellaswagRecord } from 'exptrack/eval';
 * const r: Pick<HellaswagRecord, 'ctx_a' | 'label'> = { ctx_a: 'A man is sitting on a roof.', label: '3' };
 * ```
 */
export interface HellaswagRecord {
  ind: number;
  activity_label: string;
  ctx_a: string;
  ctx_b: string;
  ctx: string;
  endings: string[];
  source_id: string;
  split: string;
  split_type: string;
  label: string;
}

/** A HellaSwag document after lm-eval's `process_docs`. */
export interface HellaswagDoc extends HellaswagRecord {
  query: string;
  choices: string[];
  gold: number;
}

/**
 * lm-eval's HellaSwag `preprocess`: strip, ` [title]` to `. `, drop `[...]` artifacts, collapse double spaces.
 *
 * @param text - a context or an ending
 * @returns the cleaned text
 * @example
 * ```ts
 * import { preprocessHellaswag } from 'exptrack/eval';
 * preprocessHellaswag(' How to fix a roof [title] Remove the shingles. [step] Pry them off.'); // 'How to fix a roof. Remove the shingles. Pry them off.'
 * ```
 */
export function preprocessHellaswag(text: string): string {
  return pythonStrip(text).replaceAll(' [title]', '. ').replace(/\[.*?\]/g, '').replaceAll('  ', ' ');
}

/** Python's `str.capitalize()`: the first character upper case, the rest lower case. */
function pythonCapitalize(text: string): string {
  const [first, ...rest] = [...text];
  return first === undefined ? '' : first.toUpperCase() + rest.join('').toLowerCase();
}

/**
 * HellaSwag as lm-eval's `hellaswag`: the query `activity_label: ctx_a Ctx_b` and the endings, both
 * preprocessed, gold `int(label)`, `acc` and `acc_norm`, the validation split, few-shot examples from
 * train (0 by default).
 *
 * @example
 * ```ts
 * import { HellaswagBenchmark } from 'exptrack/eval';
 * const hellaswag = new HellaswagBenchmark({ source: './data/hellaswag' });
 * ```
 */
export class HellaswagBenchmark extends MultipleChoiceBenchmark<HellaswagDoc, HellaswagRecord> {
  readonly name = 'hellaswag';
  protected readonly evalSplit = 'validation';
  protected readonly fewshotSplit = 'train';
  protected override readonly fewshotExcludesEvalDoc = true;

  constructor(options: MultipleChoiceOptions<HellaswagRecord> = {}) {
    super(options);
  }

  override processRecord(record: HellaswagRecord): HellaswagDoc {
    const row = record as unknown as Record<string, unknown>;
    const ctx = stringField(row, 'ctx_a', this.name) + ' ' + pythonCapitalize(stringField(row, 'ctx_b', this.name));
    return {
      ...record,
      query: preprocessHellaswag(stringField(row, 'activity_label', this.name) + ': ' + ctx),
      choices: stringArrayField(row, 'endings', this.name).map(preprocessHellaswag),
      gold: integerField(row, 'label', this.name),
    };
  }

  docToText(doc: HellaswagDoc): string {
    return doc.query;
  }

  docToChoices(doc: HellaswagDoc): string[] {
    return doc.choices;
  }

  docToGold(doc: HellaswagDoc): number {
    return checkGoldIndex(doc.gold, doc.choices.length, this.name);
  }

  protected loadRecords(split: string, signal?: AbortSignal): Promise<readonly HellaswagRecord[]> {
    return loadTaskSplit(this.name, this.options.source, split, [], signal) as Promise<never>;
  }
}
