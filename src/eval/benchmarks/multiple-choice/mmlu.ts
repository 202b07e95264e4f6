/**
 * lm-eval's `mmlu_<subject>` tasks (cais/mmlu) and the `mmlu` group with its subject-weighted
 * aggregation.
 */
import { invalidInput } from '../../../core/errors.js';
import type { JsonValue } from 'exptrack';
import { meanStderr } from '../../stats.js';
import { MultipleChoiceBenchmark, type MultipleChoiceLoadOptions, type MultipleChoiceOptions, type MultipleChoiceSample } from '../../multiple-choice.js';
import { loadTaskSplit } from './data-dir.js';
import { checkGoldIndex, integerField, stringArrayField, stringField } from './fields.js';

/**
 * An MMLU row as cais/mmlu publishes it (`answer` is the gold index).
 *
 * @example
 * ```ts
 * import type { MmluRecord } from 'exptrack/eval';
 * const r: MmluRecord = { question: '2+2?', subject: 'elementary_mathematics', choices: ['3', '4', '5', '6'], answer: 1 };
 * ```
 */
export interface MmluRecord {
  question: string;
  subject: string;
  choices: string[];
  answer: number;
}

/** The 57 MMLU subjects and the category lm-eval's `mmlu` group files each under. */
export const MMLU_SUBJECTS: Readonly<Record<string, 'stem' | 'other' | 'social_sciences' | 'humanities'>> = {
  abstract_algebra: 'stem',
  anatomy: 'stem',
  astronomy: 'stem',
  business_ethics: 'other',
  clinical_knowledge: 'other',
  college_biology: 'stem',
  college_chemistry: 'stem',
  college_computer_science: 'stem',
  college_mathematics: 'stem',
  college_medicine: 'other',
  college_physics: 'stem',
  computer_security: 'stem',
  conceptual_physics: 'stem',
  econometrics: 'social_sciences',
  electrical_engineering: 'stem',
  elementary_mathematics: 'stem',
  formal_logic: 'humanities',
  global_facts: 'other',
  high_school_biology: 'stem',
  high_school_chemistry: 'stem',
  high_school_computer_science: 'stem',
  high_school_european_history: 'humanities',
  high_school_geography: 'social_sciences',
  high_school_government_and_politics: 'social_sciences',
  high_school_macroeconomics: 'social_sciences',
  high_school_mathematics: 'stem',
  high_school_microeconomics: 'social_sciences',
  high_school_physics: 'stem',
  high_school_psychology: 'social_sciences',
  high_school_statistics: 'stem',
  high_school_us_history: 'humanities',
  high_school_world_history: 'humanities',
  human_aging: 'other',
  human_sexuality: 'social_sciences',
  international_law: 'humanities',
  jurisprudence: 'humanities',
  logical_fallacies: 'humanities',
  machine_learning: 'stem',
  management: 'other',
  marketing: 'other',
  medical_genetics: 'other',
  miscellaneous: 'other',
  moral_disputes: 'humanities',
  moral_scenarios: 'humanities',
  nutrition: 'other',
  philosophy: 'humanities',
  prehistory: 'humanities',
  professional_accounting: 'other',
  professional_law: 'humanities',
  professional_medicine: 'other',
  professional_psychology: 'social_sciences',
  public_relations: 'social_sciences',
  security_studies: 'social_sciences',
  sociology: 'social_sciences',
  us_foreign_policy: 'social_sciences',
  virology: 'other',
  world_religions: 'humanities',
};

/**
 * One MMLU subject as lm-eval's `mmlu_<subject>`: the description "The following are multiple
 * choice questions (with answers) about" the subject (underscores as spaces), a full stop and a blank
 * line, then per question
 * `{question.strip()}\nA. {choices[0]}\nB. ...\nD. {choices[3]}\nAnswer:` and the choices ` A` to
 * ` D`; `acc`; the test split; few-shot examples are the first ones of `dev` (0 by default, the Open
 * LLM Leaderboard uses 5).
 *
 * @example
 * ```ts
 * import { MmluBenchmark } from 'exptrack/eval';
 * const algebra = new MmluBenchmark({ subject: 'abstract_algebra', source: './data/mmlu', numFewshot: 5 });
 * ```
 */
export class MmluBenchmark extends MultipleChoiceBenchmark<MmluRecord, MmluRecord> {
  readonly name: string;
  readonly subject: string;
  protected readonly evalSplit = 'test';
  protected readonly fewshotSplit = 'dev';
  protected override readonly fewshotSampler = 'first_n' as const;
  override readonly metricNames: readonly string[] = ['acc'];

  /**
   * @param options - the subject, records or a data directory
   * @throws ExptrackError `invalid_input` for an unknown subject
   */
  constructor(options: MultipleChoiceOptions<MmluRecord> & { subject: string }) {
    super(options);
    if (!Object.hasOwn(MMLU_SUBJECTS, options.subject)) throw invalidInput('subject', options.subject, 'must be one of the 57 MMLU subjects');
    this.subject = options.subject;
    this.name = `mmlu_${options.subject}`;
  }

  override description(): string {
    return `The following are multiple choice questions (with answers) about ${this.subject.replaceAll('_', ' ')}.\n\n`;
  }

  docToText(doc: MmluRecord): string {
    const c = stringArrayField(doc as never, 'choices', this.name);
    if (c.length !== 4) throw invalidInput(`${this.name}.choices`, c, 'must hold 4 choices');
    const question = stringField(doc as never, 'question', this.name).replace(/^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/g, '');
    return `${question}\nA. ${c[0]}\nB. ${c[1]}\nC. ${c[2]}\nD. ${c[3]}\nAnswer:`;
  }

  docToChoices(): string[] {
    return ['A', 'B', 'C', 'D'];
  }

  docToGold(doc: MmluRecord): number {
    return checkGoldIndex(integerField(doc as never, 'answer', this.name), 4, this.name);
  }

  override sampleMetadata(): Record<string, JsonValue> {
    return { subject: this.subject, category: MMLU_SUBJECTS[this.subject]! };
  }

  protected async loadRecords(split: string, signal?: AbortSignal): Promise<readonly MmluRecord[]> {
    const rows = await loadTaskSplit(this.name, this.options.source, split, [this.subject, 'all'], signal);
    // The `all` config holds every subject in one file: keep this subject's rows.
    return rows.filter((r) => r.subject === undefined || r.subject === this.subject) as never;
  }
}

/**
 * The `mmlu` group: the 57 subjects (each as {@link MmluBenchmark}, in alphabetical order, each
 * limited to `numSamples` when given, as lm-eval's `--limit` applies per task), with lm-eval's
 * aggregation: `acc` of each category and of the whole weighted by the number of questions, and
 * their standard errors pooled from the subjects' (lm-eval's `pooled_sample_stderr` over the leaf
 * tasks, for the categories and for the whole). Rows carry
 * `subject` and `category` in their metadata; metrics `acc_<category>` are added.
 *
 * @example
 * ```ts
 * import { MmluGroupBenchmark, evaluate } from 'exptrack/eval';
 * declare const model: import('exptrack/eval').Model;
 * const result = await evaluate({ model, benchmark: new MmluGroupBenchmark({ source: './data/mmlu' }), numFewshot: 5 });
 * result.metrics.acc; result.metrics.acc_stem;
 * ```
 */
export class MmluGroupBenchmark extends MultipleChoiceBenchmark<MmluRecord, MmluRecord> {
  readonly name = 'mmlu';
  protected readonly evalSplit = 'test';
  protected readonly fewshotSplit = 'dev';
  override readonly metricNames: readonly string[] = ['acc'];

  /**
   * @param options - records (every subject's, with their `subject` field) or a data directory
   */
  constructor(options: MultipleChoiceOptions<MmluRecord> = {}) {
    super(options);
  }

  /** The benchmark of one subject, with this group's records of that subject. */
  subjectBenchmark(subject: string): MmluBenchmark {
    const bySubject = (rows: readonly MmluRecord[] | undefined) => rows?.filter((r) => (r as { subject?: unknown }).subject === subject);
    const records = bySubject(this.options.records);
    const fewshotRecords = bySubject(this.options.fewshotRecords);
    return new MmluBenchmark({
      ...this.options,
      subject,
      ...(records === undefined ? {} : { records }),
      ...(fewshotRecords === undefined ? {} : { fewshotRecords }),
    });
  }

  override async loadDataset(options: MultipleChoiceLoadOptions = {}): Promise<readonly MultipleChoiceSample<MmluRecord>[]> {
    const out: MultipleChoiceSample<MmluRecord>[] = [];
    for (const subject of Object.keys(MMLU_SUBJECTS).sort()) {
      const bench = this.subjectBenchmark(subject);
      if (this.options.records !== undefined && !this.options.records.some((r) => (r as { subject?: unknown }).subject === subject)) continue;
      out.push(...(await bench.loadDataset(options)));
    }
    return out;
  }

  docToText(doc: MmluRecord): string {
    return this.subjectBenchmark(stringField(doc as never, 'subject', this.name)).docToText(doc);
  }

  docToChoices(): string[] {
    return ['A', 'B', 'C', 'D'];
  }

  docToGold(doc: MmluRecord): number {
    return checkGoldIndex(integerField(doc as never, 'answer', this.name), 4, this.name);
  }

  override sampleMetadata(sample: MultipleChoiceSample<MmluRecord>): Record<string, JsonValue> {
    const subject = sample.id.slice('mmlu_'.length, sample.id.lastIndexOf(':'));
    return { subject, category: MMLU_SUBJECTS[subject] ?? null };
  }

  override groupMetrics(rows: ReadonlyArray<{ sample: MultipleChoiceSample<MmluRecord>; metrics: Record<string, number> }>): Record<string, number> {
    const bySubject = new Map<string, number[]>();
    for (const r of rows) {
      const subject = String(this.sampleMetadata(r.sample).subject);
      const acc = r.metrics.acc;
      if (typeof acc !== 'number') continue;
      const list = bySubject.get(subject) ?? [];
      list.push(acc);
      bySubject.set(subject, list);
    }
    const subjects = [...bySubject.entries()].map(([subject, values]) => ({ subject, ...summarise(values) }));
    const out: Record<string, number> = {};
    for (const category of ['stem', 'other', 'social_sciences', 'humanities'] as const) {
      const members = subjects.filter((s) => MMLU_SUBJECTS[s.subject] === category);
      if (members.length === 0) continue;
      const pooled = poolGroup(members);
      out[`acc_${category}`] = pooled.mean;
      out[`acc_${category}_stderr`] = pooled.stderr;
    }
    // lm-eval pools the whole group's stderr over the leaf tasks (the 57 subjects), not the categories.
    if (subjects.length > 0) {
      const all = poolGroup(subjects);
      out.acc = all.mean;
      out.acc_stderr = all.stderr;
    }
    return out;
  }

  protected loadRecords(): Promise<readonly MmluRecord[]> {
    return Promise.reject(invalidInput('split', null, 'the mmlu group reads its subjects one by one'));
  }
}

function summarise(values: readonly number[]): { mean: number; stderr: number; size: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, stderr: meanStderr(values) ?? Number.NaN, size: values.length };
}

/**
 * lm-eval's group aggregation with `weight_by_size`: the size-weighted mean, and
 * `pooled_sample_stderr` = sqrt(sum((n_i - 1) * se_i^2 * n_i) / (N - k) / N).
 */
function poolGroup(parts: ReadonlyArray<{ mean: number; stderr: number; size: number }>): { mean: number; stderr: number; size: number } {
  const size = parts.reduce((a, p) => a + p.size, 0);
  const mean = parts.reduce((a, p) => a + p.mean * p.size, 0) / size;
  const pooledVar = parts.reduce((a, p) => a + (p.size - 1) * p.stderr ** 2 * p.size, 0) / (size - parts.length);
  return { mean, stderr: Math.sqrt(pooledVar / size), size };
}
