/**
 * lm-eval's `winogrande` (allenai/winogrande, winogrande_xl), with partial evaluation.
 */
import { invalidInput } from '../../../core/errors.js';
import { MultipleChoiceBenchmark, type MultipleChoiceOptions } from '../../multiple-choice.js';
import { pythonStrip } from '../gsm8k/filters.js';
import { loadTaskSplit } from './data-dir.js';
import { stringField } from './fields.js';

/**
 * A Winogrande row (`answer` is `"1"` or `"2"`).
 *
 * @example
 * ```ts
 * import type { WinograndeRecord } from 'exptrack/eval';
 * const r: WinograndeRecord = { sentence: 'The cup fell off the table because _ was wobbly.', option1: 'the cup', option2: 'the table', answer: '2' };
 * ```
 */
export interface WinograndeRecord {
  sentence: string;
  option1: string;
  option2: string;
  answer: string;
}

/**
 * Winogrande as lm-eval's `winogrande`, by partial evaluation: one context per option (the sentence
 * up to the blank, with the option), the same continuation for both (the rest of the sentence after
 * a space), `acc` only, the validation split, few-shot examples from train (0 by default).
 *
 * @example
 * ```ts
 * import { WinograndeBenchmark } from 'exptrack/eval';
 * const wg = new WinograndeBenchmark({ source: './data/winogrande/winogrande_xl' });
 * ```
 */
export class WinograndeBenchmark extends MultipleChoiceBenchmark<WinograndeRecord, WinograndeRecord> {
  readonly name = 'winogrande';
  protected readonly evalSplit = 'validation';
  protected readonly fewshotSplit = 'train';
  protected override readonly fewshotExcludesEvalDoc = true;
  override readonly metricNames: readonly string[] = ['acc'];

  constructor(options: MultipleChoiceOptions<WinograndeRecord> = {}) {
    super(options);
  }

  private blank(doc: WinograndeRecord): number {
    const sentence = stringField(doc as never, 'sentence', this.name);
    const i = sentence.indexOf('_');
    if (i < 0) throw invalidInput(`${this.name}.sentence`, sentence, 'has no "_" blank');
    return i;
  }

  override docToPartial(doc: WinograndeRecord): { contexts: string[]; continuation: string } {
    const i = this.blank(doc);
    const options = [stringField(doc as never, 'option1', this.name), stringField(doc as never, 'option2', this.name)];
    return { contexts: options.map((o) => doc.sentence.slice(0, i) + o), continuation: pythonStrip(doc.sentence.slice(i + 1)) };
  }

  docToText(doc: WinograndeRecord): string {
    return doc.sentence;
  }

  docToChoices(doc: WinograndeRecord): string[] {
    return this.docToPartial(doc).contexts;
  }

  docToGold(doc: WinograndeRecord): number {
    const answer = stringField(doc as never, 'answer', this.name);
    if (answer !== '1' && answer !== '2') throw invalidInput(`${this.name}.answer`, answer, 'must be "1" or "2"');
    return answer === '1' ? 0 : 1;
  }

  protected loadRecords(split: string, signal?: AbortSignal): Promise<readonly WinograndeRecord[]> {
    return loadTaskSplit(this.name, this.options.source, split, ['winogrande_xl'], signal) as Promise<never>;
  }
}
