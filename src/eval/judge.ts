/**
 * `llmJudge`: grading answers with a judge model against a reference and a rubric.
 */
import { invalidInput } from '../core/errors.js';
import { normalizeModel } from './model.js';
import type { BenchmarkSample, ChatMessage, ModelLike, Prompt, SampleScore, ScoreInput } from './types.js';

/**
 * Options of {@link llmJudge}.
 *
 * @example
 * ```ts
 * import type { LlmJudgeOptions } from 'exptrack/eval';
 * const o: LlmJudgeOptions = { model: async () => 'Verdict: CORRECT', mode: 'verdict', rubric: 'Units must match.' };
 * ```
 */
export interface LlmJudgeOptions {
  /** The judge: any model or async function. */
  model: ModelLike;
  /** `verdict` asks for CORRECT / INCORRECT; `score` for a number on `scale`. @defaultValue 'verdict' */
  mode?: 'verdict' | 'score';
  /** The score range in `score` mode. @defaultValue { min: 1, max: 10 } */
  scale?: { min: number; max: number };
  /** In `score` mode, the score from which an answer counts as correct. @defaultValue the scale's max */
  passThreshold?: number;
  /** Grading instructions added to the judge prompt. */
  rubric?: string;
  /** Max tokens of the judge's reply. @defaultValue 512 */
  maxTokens?: number;
  /** What the judge grades in `scoreSample`: the whole output or the extracted answer. @defaultValue 'output' */
  grade?: 'output' | 'extracted';
}

/**
 * What the judge is shown.
 *
 * @example
 * ```ts
 * import type { JudgeInput } from 'exptrack/eval';
 * const i: JudgeInput = { question: 'Capital of France?', answer: 'Paris', reference: 'Paris' };
 * ```
 */
export interface JudgeInput {
  question: string;
  answer: string;
  reference?: string;
}

/**
 * The judge's verdict on one answer.
 *
 * @example
 * ```ts
 * import type { JudgeVerdict } from 'exptrack/eval';
 * const v: JudgeVerdict = { correct: true, score: 1, rationale: 'Matches the reference.', raw: '...', parsed: true, attempts: 1 };
 * ```
 */
export interface JudgeVerdict {
  /** Null when the reply could not be parsed even after one retry. */
  correct: boolean | null;
  /** 1 or 0 in verdict mode, the number given in score mode; null when unparsed. */
  score: number | null;
  /** The judge's reasoning (the `Rationale:` part, else the reply without the verdict line). */
  rationale: string;
  /** The judge's last reply. */
  raw: string;
  parsed: boolean;
  /** Judge calls made: 1, or 2 when the first reply was unparseable. */
  attempts: number;
}

/**
 * An LLM judge: `grade` on its own, `checkAnswer` and `scoreSample` inside a benchmark.
 *
 * @example
 * ```ts
 * import { llmJudge } from 'exptrack/eval';
 * const judge = llmJudge({ model: async () => 'Rationale: same city.\nVerdict: CORRECT' });
 * (await judge.grade({ question: 'Capital of France?', answer: 'Paris', reference: 'Paris' })).correct; // true
 * ```
 */
export interface LlmJudge {
  /**
   * Grades one answer.
   *
   * @param input - question, answer, reference
   * @param signal - cancels the judge calls
   * @returns the verdict
   */
  grade(input: JudgeInput, signal?: AbortSignal): Promise<JudgeVerdict>;
  /**
   * A benchmark's `checkAnswer`: true only for a parsed, passing verdict.
   *
   * @param predicted - the answer
   * @param gold - the reference
   * @param question - the question, when the benchmark has one
   * @returns the verdict as a boolean
   */
  checkAnswer(predicted: string, gold: string, question?: string): Promise<boolean>;
  /**
   * A benchmark's `scoreSample`: the judge's score, rationale in the row's metadata, and an
   * unparseable verdict returned as `correct: null` (counted in `n_unscored` and `judge_unparseable`).
   *
   * @param input - what the runner passes to scoreSample
   * @returns the sample score
   */
  scoreSample<S extends BenchmarkSample>(input: ScoreInput<S>): Promise<SampleScore>;
}

/**
 * Makes an LLM judge. The judge is asked for a short rationale and a final line `Verdict: CORRECT`
 * / `Verdict: INCORRECT` (or `Score: n`). Parsing accepts a JSON object with `verdict` / `score`,
 * `Verdict:` / `Score:` lines (last one wins, markdown emphasis ignored), `[[CORRECT]]`-style tags,
 * `n/10` scores, and the synonyms pass/fail, yes/no, true/false. An unparseable reply is retried once
 * with a reminder of the format; still unparseable, the verdict is `correct: null`.
 *
 * @param options - the judge model, mode, scale and rubric
 * @returns the judge
 * @throws ExptrackError `invalid_input` for a bad scale or mode
 * @example
 * ```ts
 * import { llmJudge, openAICompatibleModel } from 'exptrack/eval';
 * const judge = llmJudge({ model: openAICompatibleModel({ model: 'gpt-4o-mini' }), mode: 'score', scale: { min: 1, max: 5 }, passThreshold: 4 });
 * const v = await judge.grade({ question: 'Explain TCP slow start.', answer: '...', reference: '...' });
 * ```
 */
export function llmJudge(options: LlmJudgeOptions): LlmJudge {
  const mode = options.mode ?? 'verdict';
  if (mode !== 'verdict' && mode !== 'score') throw invalidInput('mode', mode, "must be 'verdict' or 'score'");
  const scale = options.scale ?? { min: 1, max: 10 };
  if (!(Number.isFinite(scale.min) && Number.isFinite(scale.max) && scale.max > scale.min)) throw invalidInput('scale', scale, 'must have finite min < max');
  const pass = options.passThreshold ?? scale.max;
  const model = normalizeModel(options.model);

  const grade = async (input: JudgeInput, signal?: AbortSignal): Promise<JudgeVerdict> => {
    const messages: ChatMessage[] = [{ role: 'user', content: judgePrompt(input, mode, scale, options.rubric) }];
    let raw = '';
    for (let attempt = 1; attempt <= 2; attempt++) {
      const out = await model.generate(messages as Prompt, { maxTokens: options.maxTokens ?? 512, temperature: 0, ...(signal ? { signal } : {}) });
      raw = out.text;
      const parsed = parseJudgeReply(raw, mode, scale);
      if (parsed) {
        const correct = mode === 'verdict' ? parsed.score === 1 : parsed.score >= pass;
        return { correct, score: parsed.score, rationale: parsed.rationale, raw, parsed: true, attempts: attempt };
      }
      messages.push({ role: 'assistant', content: raw });
      messages.push({
        role: 'user',
        content:
          mode === 'verdict'
            ? 'Your reply could not be read. Reply again: one short paragraph starting with "Rationale:", then a last line that is exactly "Verdict: CORRECT" or "Verdict: INCORRECT".'
            : `Your reply could not be read. Reply again: one short paragraph starting with "Rationale:", then a last line "Score: N" with N a number from ${scale.min} to ${scale.max}.`,
      });
    }
    return { correct: null, score: null, rationale: raw.trim(), raw, parsed: false, attempts: 2 };
  };

  return {
    grade,
    async checkAnswer(predicted, gold, question) {
      const v = await grade({ question: question ?? '', answer: predicted, reference: gold });
      return v.correct === true;
    },
    async scoreSample<S extends BenchmarkSample>(input: ScoreInput<S>): Promise<SampleScore> {
      const question = promptQuestion(input.prompt);
      const answer = options.grade === 'extracted' ? input.extracted : input.output;
      const v = await grade({ question, answer, reference: input.sample.gold }, input.signal);
      const metrics: Record<string, number> = { judge_unparseable: v.parsed ? 0 : 1 };
      if (v.score !== null) metrics.judge_score = v.score;
      return {
        extracted: input.extracted,
        correct: v.correct,
        score: v.score === null ? null : mode === 'verdict' ? v.score : (v.score - scale.min) / (scale.max - scale.min),
        metrics,
        metadata: { judge_rationale: v.rationale, judge_raw: v.raw, judge_attempts: v.attempts, judge_parsed: v.parsed },
      };
    },
  };
}

function judgePrompt(input: JudgeInput, mode: 'verdict' | 'score', scale: { min: number; max: number }, rubric: string | undefined): string {
  const lines = [
    'You are grading an answer to a question.',
    rubric ? `Grading rubric:\n${rubric}` : 'Judge whether the answer is correct; use the reference answer when one is given.',
    '',
    `Question:\n${input.question}`,
    '',
    `Answer to grade:\n${input.answer}`,
  ];
  if (input.reference !== undefined) lines.push('', `Reference answer:\n${input.reference}`);
  lines.push(
    '',
    mode === 'verdict'
      ? 'Reply with one short paragraph starting with "Rationale:", then a last line that is exactly "Verdict: CORRECT" or "Verdict: INCORRECT".'
      : `Reply with one short paragraph starting with "Rationale:", then a last line "Score: N" where N is a number from ${scale.min} (worst) to ${scale.max} (best).`,
  );
  return lines.join('\n');
}

function promptQuestion(prompt: Prompt): string {
  if (typeof prompt === 'string') return prompt;
  for (let i = prompt.length - 1; i >= 0; i--) if (prompt[i]!.role === 'user') return prompt[i]!.content;
  return '';
}

const POSITIVE = new Set(['correct', 'pass', 'passed', 'yes', 'true', 'right', 'accept', 'accepted']);
const NEGATIVE = new Set(['incorrect', 'fail', 'failed', 'no', 'false', 'wrong', 'reject', 'rejected']);

/**
 * Reads a judge's reply.
 *
 * @param raw - the reply
 * @param mode - `verdict` or `score`
 * @param scale - the score range (score mode)
 * @returns the score (1/0 in verdict mode) and the rationale, or null when unreadable
 * @example
 * ```ts
 * import { parseJudgeReply } from 'exptrack/eval';
 * parseJudgeReply('Rationale: fine.\n**Verdict:** CORRECT', 'verdict', { min: 1, max: 10 }); // { score: 1, rationale: 'fine.' }
 * parseJudgeReply('Score: 7/10', 'score', { min: 1, max: 10 });                             // { score: 7, rationale: '' }
 * ```
 */
export function parseJudgeReply(raw: string, mode: 'verdict' | 'score', scale: { min: number; max: number }): { score: number; rationale: string } | null {
  const text = raw.replace(/\*\*|__/g, '');
  const rationale = readRationale(text);
  const json = readJson(text);
  if (json) {
    if (mode === 'verdict' && typeof json.verdict === 'string') {
      const v = verdictWord(json.verdict);
      if (v !== null) return { score: v, rationale: typeof json.rationale === 'string' ? json.rationale : rationale };
    }
    if (mode === 'verdict' && typeof json.correct === 'boolean') return { score: json.correct ? 1 : 0, rationale: typeof json.rationale === 'string' ? json.rationale : rationale };
    if (mode === 'score' && typeof json.score === 'number' && json.score >= scale.min && json.score <= scale.max) {
      return { score: json.score, rationale: typeof json.rationale === 'string' ? json.rationale : rationale };
    }
  }
  if (mode === 'verdict') {
    const lines = [...text.matchAll(/(?:verdict|judg(?:e)?ment|grade|final answer)\s*[:=-]\s*\[*\s*([A-Za-z]+)/gi)];
    for (let i = lines.length - 1; i >= 0; i--) {
      const v = verdictWord(lines[i]![1]!);
      if (v !== null) return { score: v, rationale };
    }
    const tags = [...text.matchAll(/\[\[\s*([A-Za-z]+)\s*\]\]/g)];
    for (let i = tags.length - 1; i >= 0; i--) {
      const v = verdictWord(tags[i]![1]!);
      if (v !== null) return { score: v, rationale };
    }
    const last = text.trim().split('\n').pop()?.trim().replace(/[.!]$/, '') ?? '';
    const v = verdictWord(last);
    if (v !== null) return { score: v, rationale };
    return null;
  }
  const scores = [...text.matchAll(/(?:score|rating|grade)\s*[:=-]?\s*\[*\s*(-?\d+(?:\.\d+)?)\s*(?:\/\s*(\d+(?:\.\d+)?))?/gi)];
  for (let i = scores.length - 1; i >= 0; i--) {
    const n = Number(scores[i]![1]);
    const outOf = scores[i]![2];
    if (outOf !== undefined && Number(outOf) !== scale.max) continue;
    if (n >= scale.min && n <= scale.max) return { score: n, rationale };
  }
  const bare = /^\s*(-?\d+(?:\.\d+)?)\s*(?:\/\s*\d+)?\s*$/.exec(text.trim().split('\n').pop() ?? '');
  if (bare) {
    const n = Number(bare[1]);
    if (n >= scale.min && n <= scale.max) return { score: n, rationale };
  }
  return null;
}

function verdictWord(word: string): number | null {
  const w = word.trim().toLowerCase();
  if (POSITIVE.has(w)) return 1;
  if (NEGATIVE.has(w)) return 0;
  return null;
}

function readRationale(text: string): string {
  const m = /rationale\s*:\s*([\s\S]*?)(?=\n\s*(?:verdict|score|rating|grade)\s*[:=]|$)/i.exec(text);
  return m ? m[1]!.trim() : '';
}

function readJson(text: string): Record<string, unknown> | null {
  const m = /\{[\s\S]*\}/.exec(text);
  if (!m) return null;
  try {
    const v = JSON.parse(m[0]) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
