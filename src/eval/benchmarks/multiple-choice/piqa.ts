/**
 * lm-eval's `piqa`.
 */
import { MultipleChoiceBenchmark, type MultipleChoiceOptions } from '../../multiple-choice.js';
import { loadTaskSplit } from './data-dir.js';
import { checkGoldIndex, integerField, stringField } from './fields.js';

/**
 * A PIQA row (baber/piqa).
 *
 * @example
 * ```ts
 * import type { PiqaRecord } from 'exptrack/eval';
 * const r: PiqaRecord = { goal: 'Open a jar', sol1: 'Twist the lid.', sol2: 'Eat the lid.', label: 0 };
 * ```
 */
export interface PiqaRecord {
  goal: string;
  sol1: string;
  sol2: string;
  label: number;
}

/**
 * PIQA as lm-eval's `piqa`: `Question: {goal}\nAnswer:`, choices `sol1` and `sol2`, gold `label`,
 * `acc` and `acc_norm`, the validation split, few-shot examples from train (0 by default).
 *
 * @example
 * ```ts
 * import { PiqaBenchmark } from 'exptrack/eval';
 * const piqa = new PiqaBenchmark({ source: './data/piqa' });
 * ```
 */
export class PiqaBenchmark extends MultipleChoiceBenchmark<PiqaRecord, PiqaRecord> {
  readonly name = 'piqa';
  protected readonly evalSplit = 'validation';
  protected readonly fewshotSplit = 'train';
  protected override readonly fewshotExcludesEvalDoc = true;

  constructor(options: MultipleChoiceOptions<PiqaRecord> = {}) {
    super(options);
  }

  docToText(doc: PiqaRecord): string {
    return `Question: ${stringField(doc as never, 'goal', this.name)}\nAnswer:`;
  }

  docToChoices(doc: PiqaRecord): string[] {
    return [stringField(doc as never, 'sol1', this.name), stringField(doc as never, 'sol2', this.name)];
  }

  docToGold(doc: PiqaRecord): number {
    return checkGoldIndex(integerField(doc as never, 'label', this.name), 2, this.name);
  }

  protected loadRecords(split: string, signal?: AbortSignal): Promise<readonly PiqaRecord[]> {
    return loadTaskSplit(this.name, this.options.source, split, [], signal) as Promise<never>;
  }
}
