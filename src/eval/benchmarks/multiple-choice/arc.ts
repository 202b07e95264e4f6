/**
 * lm-eval's `arc_easy` and `arc_challenge` (allenai/ai2_arc).
 */
import { MultipleChoiceBenchmark, type MultipleChoiceOptions } from '../../multiple-choice.js';
import { loadTaskSplit } from './data-dir.js';
import { checkGoldIndex, stringArrayField, stringField } from './fields.js';

/**
 * An ARC row as allenai/ai2_arc publishes it.
 *
 * @example
 * ```ts
 * import type { ArcRecord } from 'exptrack/eval';
 * const r: ArcRecord = { id: 'Mercury_1', question: 'Which is a metal?', choices: { text: ['iron', 'wood'], label: ['A', 'B'] }, answerKey: 'A' };
 * ```
 */
export interface ArcRecord {
  id: string;
  question: string;
  choices: { text: string[]; label: string[] };
  answerKey: string;
}

/**
 * ARC as lm-eval's `arc_easy` / `arc_challenge`: `Question: {question}\nAnswer:`, the choices'
 * texts as continuations after a space, gold `choices.label.index(answerKey)`, `acc` and `acc_norm`,
 * the test split, few-shot examples drawn at random from train (0 by default).
 *
 * @example
 * ```ts
 * import { ArcBenchmark } from 'exptrack/eval';
 * const arc = new ArcBenchmark({ variant: 'easy', source: './data/ai2_arc' });
 * ```
 */
export class ArcBenchmark extends MultipleChoiceBenchmark<ArcRecord, ArcRecord> {
  readonly name: string;
  protected readonly evalSplit = 'test';
  protected readonly fewshotSplit = 'train';
  private readonly config: string;

  /**
   * @param options - `variant` (`easy` or `challenge`), records or a data directory
   */
  constructor(options: MultipleChoiceOptions<ArcRecord> & { variant?: 'easy' | 'challenge' } = {}) {
    super(options);
    const challenge = options.variant === 'challenge';
    this.name = challenge ? 'arc_challenge' : 'arc_easy';
    this.config = challenge ? 'ARC-Challenge' : 'ARC-Easy';
  }

  docToText(doc: ArcRecord): string {
    return `Question: ${stringField(doc as never, 'question', this.name)}\nAnswer:`;
  }

  docToChoices(doc: ArcRecord): string[] {
    return stringArrayField(doc as never, 'choices.text', this.name);
  }

  docToGold(doc: ArcRecord): number {
    const labels = stringArrayField(doc as never, 'choices.label', this.name);
    const key = stringField(doc as never, 'answerKey', this.name);
    return checkGoldIndex(labels.indexOf(key), this.docToChoices(doc).length, this.name);
  }

  protected loadRecords(split: string, signal?: AbortSignal): Promise<readonly ArcRecord[]> {
    return loadTaskSplit(this.name, this.options.source, split, [this.config], signal) as Promise<never>;
  }
}
