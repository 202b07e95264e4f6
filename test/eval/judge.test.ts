import { describe, expect, it } from 'vitest';
import { BaseBenchmark, evaluate, llmJudge, parseJudgeReply, type BenchmarkSample, type Prompt, type ScoreInput } from 'exptrack/eval';

const scale = { min: 1, max: 10 };

describe('parseJudgeReply', () => {
  it('reads verdict lines, markdown, tags, JSON and synonyms', () => {
    expect(parseJudgeReply('Rationale: same city.\nVerdict: CORRECT', 'verdict', scale)).toEqual({ score: 1, rationale: 'same city.' });
    expect(parseJudgeReply('**Verdict:** incorrect', 'verdict', scale)?.score).toBe(0);
    expect(parseJudgeReply('I think so. [[CORRECT]]', 'verdict', scale)?.score).toBe(1);
    expect(parseJudgeReply('{"verdict": "fail", "rationale": "off by one"}', 'verdict', scale)).toEqual({ score: 0, rationale: 'off by one' });
    expect(parseJudgeReply('Verdict: correct?\nOn reflection...\nVerdict: INCORRECT', 'verdict', scale)?.score).toBe(0);
    expect(parseJudgeReply('Yes', 'verdict', scale)?.score).toBe(1);
    expect(parseJudgeReply('I am not sure what to say.', 'verdict', scale)).toBeNull();
  });
  it('reads scores on the scale and rejects out-of-range ones', () => {
    expect(parseJudgeReply('Rationale: ok\nScore: 7', 'score', scale)).toEqual({ score: 7, rationale: 'ok' });
    expect(parseJudgeReply('Score: 8/10', 'score', scale)?.score).toBe(8);
    expect(parseJudgeReply('Rating = 4.5', 'score', scale)?.score).toBe(4.5);
    expect(parseJudgeReply('{"score": 3}', 'score', scale)?.score).toBe(3);
    expect(parseJudgeReply('Score: 42', 'score', scale)).toBeNull();
    expect(parseJudgeReply('Score: 4/5', 'score', scale)).toBeNull();
    expect(parseJudgeReply('no number', 'score', scale)).toBeNull();
  });
});

describe('llmJudge', () => {
  it('grades on its own, and retries an unparseable reply once', async () => {
    const calls: Prompt[] = [];
    const replies = ['hmm, hard to say', 'Rationale: matches the reference.\nVerdict: CORRECT'];
    const judge = llmJudge({ model: async (p) => (calls.push(p), replies[calls.length - 1]!), rubric: 'Names must match exactly.' });
    const v = await judge.grade({ question: 'Capital of France?', answer: 'Paris', reference: 'Paris' });
    expect(v).toMatchObject({ correct: true, score: 1, parsed: true, attempts: 2, rationale: 'matches the reference.' });
    const first = calls[0] as Array<{ role: string; content: string }>;
    expect(first[0]!.content).toContain('Names must match exactly.');
    expect(first[0]!.content).toContain('Reference answer:\nParis');
    expect((calls[1] as unknown[]).length).toBe(3);
  });

  it('counts still-unparseable verdicts apart from right and wrong answers, and keeps the rationale per sample', async () => {
    class Qa extends BaseBenchmark<BenchmarkSample & { q: string }> {
      readonly name = 'qa';
      loadDataset() {
        return [
          { id: 'a', q: 'Capital of France?', gold: 'Paris' },
          { id: 'b', q: 'Capital of Peru?', gold: 'Lima' },
          { id: 'c', q: 'Capital of Chad?', gold: "N'Djamena" },
        ];
      }
      buildPrompt(s: BenchmarkSample & { q: string }) {
        return s.q;
      }
      override scoreSample(input: ScoreInput<BenchmarkSample & { q: string }>) {
        return judge.scoreSample(input);
      }
    }
    let judgeCalls = 0;
    const judge = llmJudge({
      model: async (p) => {
        judgeCalls++;
        const text = (p as unknown as Array<{ content: string }>)[0]!.content;
        if (text.includes('France')) return 'Rationale: right city.\nVerdict: CORRECT';
        if (text.includes('Peru')) return 'Rationale: wrong city.\nVerdict: INCORRECT';
        return 'I cannot decide.';
      },
    });
    const result = await evaluate({ model: async (p) => (String(p).includes('France') ? 'Paris' : 'Cusco'), benchmark: new Qa(), cache: false });
    expect(result.metrics.n_scored).toBe(2);
    expect(result.metrics.n_unscored).toBe(1);
    expect(result.metrics.accuracy).toBe(0.5);
    expect(result.metrics.judge_unparseable).toBeCloseTo(1 / 3, 12);
    expect(judgeCalls).toBe(4);
    const rows = Object.fromEntries(result.samples.map((s) => [s.id, s]));
    expect(rows.a!.metadata).toMatchObject({ judge_rationale: 'right city.', judge_attempts: 1, judge_parsed: true });
    expect(rows.c!.correct).toBeNull();
    expect(rows.c!.error).toBeNull();
    expect(rows.c!.metadata).toMatchObject({ judge_parsed: false, judge_attempts: 2 });
  });

  it('score mode: passThreshold decides correctness, the row score is scaled to 0..1, and checkAnswer works', async () => {
    const judge = llmJudge({ model: async () => 'Rationale: decent.\nScore: 4', mode: 'score', scale: { min: 1, max: 5 }, passThreshold: 4 });
    expect(await judge.grade({ question: 'q', answer: 'a' })).toMatchObject({ correct: true, score: 4 });
    expect(await judge.checkAnswer('a', 'b', 'q')).toBe(true);
    const s = await judge.scoreSample({ sample: { id: 'x', gold: 'g' }, output: 'o', extracted: 'o', prompt: 'q' });
    expect(s.score).toBe(0.75);
    expect(s.metrics).toEqual({ judge_unparseable: 0, judge_score: 4 });
    expect(() => llmJudge({ model: async () => '', scale: { min: 5, max: 1 } })).toThrow(/scale/);
  });
});
