import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EvaluationInput } from 'exptrack';
import { evaluate, Gsm8kBenchmark, MemoryResponseCache, openAICompatibleModel, wilsonInterval, type ProgressEvent } from 'exptrack/eval';
import { startFakeOpenAIServer, type FakeServer, type ScriptedReply } from './helpers/fake-openai-server.js';
import { MINI_TEST, MINI_TRAIN, toJsonl } from './fixtures/gsm8k-mini.js';

function gsm8kDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'exptrack-gsm8k-'));
  writeFileSync(join(dir, 'test.jsonl'), toJsonl(MINI_TEST));
  writeFileSync(join(dir, 'train.jsonl'), toJsonl(MINI_TRAIN));
  return dir;
}

function lastQuestion(prompt: string): string {
  const parts = prompt.split('Question: ');
  return parts[parts.length - 1]!.replace(/\nAnswer:$/, '');
}

// Scripted answers per question: strict-correct, flexible-only, invalid, numeric-only, wrong.
const ANSWERS: Record<string, string> = {
  [MINI_TEST[0]!.question]: 'Tom has 3 + 4 = 7 apples.\n#### 7',
  [MINI_TEST[1]!.question]: 'There are 12 * 5 = 60 pens. The answer is 60.',
  [MINI_TEST[2]!.question]: 'She has 1,000 - 250 = 750 left.\n#### 750\n\nQuestion: this part must be cut by the stop sequence 99',
  [MINI_TEST[3]!.question]: 'It is 4 - 9 = \u22125 degrees.\n#### \u22125',
  [MINI_TEST[4]!.question]: 'It has 1,200 + 34 = 1,234 hens.\n#### 1,234',
  [MINI_TEST[5]!.question]: 'He reads 9 * 2 = 18.00 pages. The answer is $18.00',
};

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('GSM8K end to end through an OpenAI-compatible server', () => {
  it('scores lm-eval style with both filters, numeric-match, stderr and Wilson CI, and logs to a tracker', async () => {
    server = await startFakeOpenAIServer((req) => ({ text: ANSWERS[lastQuestion(req.prompt)] ?? 'no idea', latencyMs: 5 }));
    const logged: Array<[string, EvaluationInput]> = [];
    const tracker = { logEvaluation: async (name: string, result: EvaluationInput) => void logged.push([name, result]) };
    const progress: ProgressEvent[] = [];
    const model = openAICompatibleModel({ baseURL: server.baseURL, model: 'fake-model', endpoint: 'completions', apiKey: 'k-test', pricing: { promptPer1k: 1, completionPer1k: 2 } });
    const result = await evaluate({
      model,
      benchmark: new Gsm8kBenchmark({ source: gsm8kDir() }),
      tracker,
      cache: false,
      concurrency: 3,
      onProgress: (p) => progress.push(p),
    });

    // Requests: lm-eval's prompt, stop sequences and generation settings.
    expect(server.requests).toHaveLength(6);
    const first = server.requests.find((r) => r.prompt.endsWith(`Question: ${MINI_TEST[0]!.question}\nAnswer:`))!;
    expect(first.body.stop).toEqual(['Question:', '</s>', '<|im_end|>']);
    expect(first.body.max_tokens).toBe(256);
    expect(first.body.temperature).toBe(0);
    expect(first.authorization).toBe('Bearer k-test');
    const shots = first.prompt.split('\n\n');
    expect(shots).toHaveLength(6);
    for (const shot of shots.slice(0, 5)) expect(shot).toMatch(/^Question: .+\nAnswer: .+<<.+>>.+\n#### -?\d+$/s);

    const m = result.metrics;
    // strict-match right: items 0, 2, 4  -> 3/6
    expect(m.accuracy).toBeCloseTo(3 / 6, 12);
    expect(m['exact_match,strict-match']).toBeCloseTo(3 / 6, 12);
    // flexible-extract right: 0, 1 ("60."), 2 (the tail after the stop sequence is cut), 4 -> 4/6
    expect(m.partial_accuracy).toBeCloseTo(4 / 6, 12);
    expect(m['exact_match,flexible-extract']).toBeCloseTo(4 / 6, 12);
    // strict-match found "#### n": 0, 2, 4 (item 3 has a U+2212 minus, which the regex does not take)
    expect(m.format_accuracy).toBeCloseTo(3 / 6, 12);
    // numeric-match: every item but none wrong -> 6/6
    expect(m.numeric_match).toBe(1);
    // lm-eval's stderr: sqrt(p(1-p)/(n-1))
    expect(m.accuracy_stderr).toBeCloseTo(Math.sqrt((0.5 * 0.5) / 5), 12);
    const ci = wilsonInterval(3, 6);
    expect(m.accuracy_ci_lower).toBeCloseTo(ci.lower, 12);
    expect(m.accuracy_ci_upper).toBeCloseTo(ci.upper, 12);
    expect(m.n_errors).toBe(0);
    expect(m.n_samples).toBe(6);
    expect(m.prompt_tokens).toBeGreaterThan(0);
    expect(m.cost_usd).toBeGreaterThan(0);
    expect(m.latency_p95_ms).toBeGreaterThanOrEqual(m.latency_p50_ms!);

    // Rows map onto core's EvaluationSample.
    expect(result.samples).toHaveLength(6);
    const row2 = result.samples.find((s) => s.id === 'gsm8k-test-2')!;
    expect(row2.output).not.toContain('99');
    expect(row2.extracted).toBe('750');
    expect(row2.gold).toBe('750');
    expect(row2.correct).toBe(true);
    expect(row2.score).toBe(1);
    expect(row2.attempt).toBe(0);
    expect(row2.error).toBeNull();
    expect(typeof row2.latencyMs).toBe('number');
    expect(row2.promptTokens).toBeGreaterThan(0);
    const row5 = result.samples.find((s) => s.id === 'gsm8k-test-5')!;
    expect(row5.correct).toBe(false);
    expect(row5.metadata).toMatchObject({ strict_match: '[invalid]', flexible_extract: '$18.00', numeric_extract: 18 });

    // Logged once under the benchmark's name, as an EvaluationInput.
    expect(logged).toHaveLength(1);
    expect(logged[0]![0]).toBe('gsm8k');
    expect(logged[0]![1]).toBe(result);
    expect(JSON.parse(JSON.stringify(result)).metrics.accuracy).toBe(0.5);
    expect(result.toDict().samples).toHaveLength(6);

    expect(progress).toHaveLength(6);
    expect(progress.at(-1)).toMatchObject({ done: 6, total: 6, correct: 3, errors: 0 });
  });

  it('gsm8k-cot sends the 8 fixed exemplars, and the chat option sends them as turns', async () => {
    server = await startFakeOpenAIServer(() => ({ text: 'So 3 + 4 = 7. The answer is 7.' }));
    const records = { test: MINI_TEST.slice(0, 1) };
    const text = await evaluate({
      model: openAICompatibleModel({ baseURL: server.baseURL, model: 'm', endpoint: 'completions' }),
      benchmark: new Gsm8kBenchmark({ variant: 'cot', records }),
      cache: false,
    });
    expect(text.benchmark).toBe('gsm8k-cot');
    expect(text.metrics.accuracy).toBe(1);
    const p = server.requests[0]!.prompt;
    expect(p.startsWith('Q: There are 15 trees in the grove.')).toBe(true);
    expect(p.split('\n\n')).toHaveLength(9);
    expect(p.endsWith(`Q: ${MINI_TEST[0]!.question}\nA:`)).toBe(true);
    expect(server.requests[0]!.body.stop).toEqual(['Q:', '</s>', '<|im_end|>']);

    const chat = await evaluate({
      model: openAICompatibleModel({ baseURL: server.baseURL, model: 'm' }),
      benchmark: new Gsm8kBenchmark({ variant: 'cot', records, chat: true }),
      cache: false,
    });
    expect(chat.metrics.accuracy).toBe(1);
    const messages = server.requests[1]!.body.messages as Array<{ role: string; content: string }>;
    expect(messages).toHaveLength(17);
    expect(messages[1]).toEqual({ role: 'assistant', content: expect.stringContaining('The answer is 6.') });
    expect(messages[16]).toEqual({ role: 'user', content: `Q: ${MINI_TEST[0]!.question}\nA:` });
  });

  it('retries 429 and 503 honouring retry-after, and records a sample that keeps failing as an error', async () => {
    const failing = MINI_TEST[1]!.question;
    server = await startFakeOpenAIServer((req): ScriptedReply => {
      const q = lastQuestion(req.prompt);
      if (q === failing) return { status: 400 };
      if (req.seen === 1) return { status: 429, retryAfter: '0' };
      if (req.seen === 2) return { status: 503, retryAfter: '0' };
      return { text: ANSWERS[q]! };
    });
    const result = await evaluate({
      model: openAICompatibleModel({ baseURL: server.baseURL, model: 'm', endpoint: 'completions' }),
      benchmark: new Gsm8kBenchmark({ source: gsm8kDir(), numFewshot: 0 }),
      cache: false,
      retries: 2,
      // A backoff this long would time the test out: passing proves retry-after: 0 was honoured.
      retryBaseDelayMs: 120_000,
      retryMaxDelayMs: 120_000,
    });
    expect(result.metrics.n_errors).toBe(1);
    expect(result.metrics.n_scored).toBe(5);
    // Errors are not wrong answers: accuracy is over the 5 scored rows (items 0, 2 and 4 strict-correct).
    expect(result.metrics.accuracy).toBeCloseTo(3 / 5, 12);
    expect(result.metrics.error_rate).toBeCloseTo(1 / 6, 12);
    const failed = result.samples.find((s) => s.id === 'gsm8k-test-1')!;
    expect(failed.error).toMatch(/HTTP 400/);
    expect(failed.correct).toBeNull();
    expect(failed.output).toBeNull();
    // 400 is not retryable: one request only.
    expect(server.requests.filter((r) => lastQuestion(r.prompt) === failing)).toHaveLength(1);
    const ok = result.samples.find((s) => s.id === 'gsm8k-test-0')!;
    expect(ok.metadata?.retries).toBe(2);
    expect(server.requests).toHaveLength(1 + 5 * 3);
  });

  it('times out hung requests, retries them, then records the timeout as an error', async () => {
    const hanging = MINI_TEST[2]!.question;
    server = await startFakeOpenAIServer((req): ScriptedReply => {
      const q = lastQuestion(req.prompt);
      return q === hanging ? { hang: true } : { text: ANSWERS[q]! };
    });
    const result = await evaluate({
      model: openAICompatibleModel({ baseURL: server.baseURL, model: 'm', endpoint: 'completions' }),
      benchmark: new Gsm8kBenchmark({ source: gsm8kDir(), numFewshot: 0 }),
      cache: false,
      retries: 2,
      retryBaseDelayMs: 1,
      timeoutMs: 1000,
    });
    const hung = result.samples.find((s) => s.id === 'gsm8k-test-2')!;
    expect(hung.error).toMatch(/timed out after 1000 ms/);
    expect(hung.metadata?.retries).toBe(2);
    expect(server.requests.filter((r) => lastQuestion(r.prompt) === hanging)).toHaveLength(3);
    expect(result.metrics.n_errors).toBe(1);
  });

  it('times out a plain-function model that ignores the signal', async () => {
    const result = await evaluate({
      model: () => new Promise<string>(() => undefined),
      benchmark: new Gsm8kBenchmark({ records: { test: MINI_TEST.slice(0, 2) }, numFewshot: 0 }),
      cache: false,
      retries: 0,
      timeoutMs: 50,
    });
    expect(result.samples.map((s) => s.error)).toEqual([expect.stringMatching(/timed out/), expect.stringMatching(/timed out/)]);
    expect(result.metrics.accuracy).toBeUndefined();
    expect(result.metrics.n_errors).toBe(2);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const model = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 15));
      inFlight--;
      return '#### 1';
    };
    const many = Array.from({ length: 24 }, (_, i) => ({ question: `q${i}`, answer: `#### ${i}` }));
    const result = await evaluate({ model, benchmark: new Gsm8kBenchmark({ records: { test: many }, numFewshot: 0 }), concurrency: 4, cache: false });
    expect(result.metrics.n_rows).toBe(24);
    expect(maxInFlight).toBe(4);
    expect(result.metrics.accuracy).toBeCloseTo(1 / 24, 12);
  });

  it('resumes an interrupted run from the cache and ends with the same result', async () => {
    server = await startFakeOpenAIServer((req) => ({ text: ANSWERS[lastQuestion(req.prompt)]!, latencyMs: 40 }));
    const model = openAICompatibleModel({ baseURL: server.baseURL, model: 'm', endpoint: 'completions' });
    const benchmark = new Gsm8kBenchmark({ source: gsm8kDir() });
    const reference = await evaluate({ model, benchmark, cache: false, concurrency: 2 });

    const cache = new MemoryResponseCache();
    const controller = new AbortController();
    await expect(
      evaluate({
        model,
        benchmark,
        cache,
        concurrency: 2,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.done === 3) controller.abort(new Error('interrupted'));
        },
      }),
    ).rejects.toThrow('interrupted');
    expect(cache.size).toBeGreaterThanOrEqual(3);
    expect(cache.size).toBeLessThan(6);
    const cachedAfterAbort = cache.size;
    const before = server.requests.length;
    const resumed = await evaluate({ model, benchmark, cache, concurrency: 2, resume: true });
    const newRequests = server.requests.length - before;
    // Only the rows that were not finished are requested again.
    expect(newRequests).toBe(6 - cachedAfterAbort);
    expect(resumed.metrics.n_cached).toBe(cachedAfterAbort);
    expect(resumed.metrics.n_cached).toBeGreaterThanOrEqual(3);
    const strip = (m: Record<string, number>) =>
      Object.fromEntries(Object.entries(m).filter(([k]) => !/latency|time|per_second|n_cached/.test(k)));
    expect(strip(resumed.metrics)).toEqual(strip(reference.metrics));
    const rowsOf = (r: typeof reference) => r.samples.map((s) => ({ id: s.id, output: s.output, extracted: s.extracted, correct: s.correct, gold: s.gold }));
    expect(rowsOf(resumed)).toEqual(rowsOf(reference));

    // A second resume is served entirely from the cache.
    const again = await evaluate({ model, benchmark, cache, resume: true });
    expect(again.metrics.n_cached).toBe(6);
    expect(server.requests.length - before).toBe(newRequests);
  });
});
