import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, ResponseCacheStore } from 'exptrack';
import {
  BaseBenchmark,
  ModelRequestError,
  cutAtStop,
  evaluate,
  isRetryableError,
  meanStderr,
  openAICompatibleModel,
  parseRetryAfter,
  percentile,
  resolveResponseCache,
  responseCacheKey,
  retryDelayMs,
  wilsonInterval,
  defaultResponseCache,
  type BenchmarkSample,
} from 'exptrack/eval';
import { startFakeOpenAIServer, type FakeServer } from './helpers/fake-openai-server.js';

describe('statistics', () => {
  it('Wilson interval matches published values', () => {
    // 8/10 at 95%: 0.4902 .. 0.9433 (Wilson 1927; e.g. Newcombe 1998 table I method 3)
    const a = wilsonInterval(8, 10);
    expect(a.lower).toBeCloseTo(0.4902, 4);
    expect(a.upper).toBeCloseTo(0.9433, 4);
    const zero = wilsonInterval(0, 10);
    expect(zero.lower).toBe(0);
    expect(zero.upper).toBeCloseTo(0.2775, 4);
    const all = wilsonInterval(10, 10);
    expect(all.upper).toBe(1);
    expect(all.lower).toBeCloseTo(0.7225, 4);
  });
  it('stderr is the sample standard deviation over sqrt(n), as lm-eval reports it', () => {
    expect(meanStderr([1, 0, 1, 1])).toBeCloseTo(Math.sqrt(0.75 * 0.25 * 4 / 3) / 2, 12);
    expect(meanStderr([5])).toBeUndefined();
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10], 95)).toBe(10);
    expect(() => percentile([], 50)).toThrow(/no values/);
  });
});

describe('response cache', () => {
  it('keys on model, prompt, generation options and attempt', () => {
    const base = responseCacheKey('m', 'p', { maxTokens: 5, temperature: 0, stop: ['x'] }, 0);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(responseCacheKey('m', 'p', { maxTokens: 5, temperature: 0, stop: ['x'], signal: new AbortController().signal }, 0)).toBe(base);
    const variants = [
      responseCacheKey('m2', 'p', { maxTokens: 5, temperature: 0, stop: ['x'] }, 0),
      responseCacheKey('m', 'p2', { maxTokens: 5, temperature: 0, stop: ['x'] }, 0),
      responseCacheKey('m', [{ role: 'user', content: 'p' }], { maxTokens: 5, temperature: 0, stop: ['x'] }, 0),
      responseCacheKey('m', 'p', { maxTokens: 6, temperature: 0, stop: ['x'] }, 0),
      responseCacheKey('m', 'p', { maxTokens: 5, temperature: 0.7, stop: ['x'] }, 0),
      responseCacheKey('m', 'p', { maxTokens: 5, temperature: 0, stop: ['y'] }, 0),
      responseCacheKey('m', 'p', { maxTokens: 5, temperature: 0, stop: ['x'] }, 1),
    ];
    expect(new Set([base, ...variants]).size).toBe(8);
  });

  it('writes responses but never errors to a ResponseCacheStore, and reads them back on resume', async () => {
    const map = new Map<string, string>();
    const store: ResponseCacheStore = { getCachedResponse: async (k) => map.get(k), putCachedResponse: async (k, v) => void map.set(k, v) };
    class Two extends BaseBenchmark {
      readonly name = 'two';
      loadDataset(): BenchmarkSample[] {
        return [
          { id: 'ok', gold: 'yes' },
          { id: 'bad', gold: 'yes' },
        ];
      }
      buildPrompt(s: BenchmarkSample) {
        return s.id;
      }
    }
    let calls = 0;
    const model = async (p: unknown) => {
      calls++;
      if (p === 'bad') throw new Error('boom');
      return 'yes';
    };
    const first = await evaluate({ model, modelId: 'm', benchmark: new Two(), cache: store, retries: 0 });
    expect(first.metrics.n_errors).toBe(1);
    expect(map.size).toBe(1);
    const key = responseCacheKey('m', 'ok', {}, 0);
    expect(JSON.parse(map.get(key)!)).toMatchObject({ text: 'yes' });
    const second = await evaluate({ model, modelId: 'm', benchmark: new Two(), cache: store, retries: 0, resume: true });
    expect(calls).toBe(3);
    expect(second.samples.find((s) => s.id === 'ok')!.metadata?.cached).toBe(true);
    expect(second.metrics.n_cached).toBe(1);
  });

  it('uses a backend only when it declares a response cache, else the process-wide memory cache', () => {
    const caps = { read: false, persistent: true, multiProcess: false };
    const backend = {
      specificationVersion: 1,
      name: 'fake',
      capabilities: { ...caps, responseCache: true },
      init: async () => undefined,
      write: async () => undefined,
      flush: async () => undefined,
      close: async () => undefined,
      getCachedResponse: async () => undefined,
      putCachedResponse: async () => undefined,
    } as Backend & ResponseCacheStore;
    expect(resolveResponseCache(backend)).toBe(backend);
    const plain = { ...backend, capabilities: { ...caps, responseCache: false } } as Backend;
    expect(() => resolveResponseCache(plain)).toThrow(/cannot cache/);
    expect(resolveResponseCache(undefined)).toBe(defaultResponseCache());
    expect(resolveResponseCache(true)).toBe(defaultResponseCache());
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('exptrack.eval.defaultResponseCache')]).toBe(defaultResponseCache());
    expect(resolveResponseCache(false)).toBeUndefined();
  });
});

describe('retry policy', () => {
  it('parses retry-after in seconds, as an HTTP date, and retry-after-ms', () => {
    expect(parseRetryAfter('3', null)).toBe(3000);
    expect(parseRetryAfter(null, '250')).toBe(250);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), null, 4_000)).toBe(6000);
    expect(parseRetryAfter('soon', null)).toBeUndefined();
    expect(parseRetryAfter(null, null)).toBeUndefined();
  });
  it('waits the server-given time, else exponential backoff with jitter', () => {
    const policy = { retries: 5, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };
    expect(retryDelayMs(ModelRequestError.fromStatus(429, '', 1500), 0, policy)).toBe(1500);
    expect(retryDelayMs(ModelRequestError.fromStatus(429, '', 60_000), 0, policy)).toBe(5000);
    expect(retryDelayMs(new Error('x'), 0, policy, () => 0)).toBe(50);
    expect(retryDelayMs(new Error('x'), 2, policy, () => 0.999999)).toBeCloseTo(400, 3);
    expect(retryDelayMs(new Error('x'), 10, policy, () => 0)).toBe(500);
  });
  it('retries 429, 408 and 5xx, not other 4xx or plain errors', () => {
    expect(isRetryableError(ModelRequestError.fromStatus(429, ''))).toBe(true);
    expect(isRetryableError(ModelRequestError.fromStatus(503, ''))).toBe(true);
    expect(isRetryableError(ModelRequestError.fromStatus(408, ''))).toBe(true);
    expect(isRetryableError(ModelRequestError.fromStatus(401, ''))).toBe(false);
    expect(isRetryableError(ModelRequestError.fromStatus(400, ''))).toBe(false);
    expect(isRetryableError({ status: 502 })).toBe(true);
    expect(isRetryableError(new Error('bad'))).toBe(false);
    expect(ModelRequestError.fromStatus(429, '').code).toBe('rate_limited');
    expect(ModelRequestError.fromStatus(503, '').code).toBe('unavailable');
  });
  it('cancels promptly while a retry is waiting out its backoff', async () => {
    class One extends BaseBenchmark {
      readonly name = 'one';
      loadDataset(): BenchmarkSample[] {
        return [{ id: 'a', gold: 'x' }];
      }
      buildPrompt() {
        return 'p';
      }
    }
    const controller = new AbortController();
    let calls = 0;
    const model = async () => {
      calls++;
      setTimeout(() => controller.abort(new Error('stop now')), 20);
      throw ModelRequestError.fromStatus(503, 'busy');
    };
    // Without cancellation the 10-minute backoff would time the test out.
    await expect(evaluate({ model, benchmark: new One(), retryBaseDelayMs: 600_000, retryMaxDelayMs: 600_000, signal: controller.signal, cache: false })).rejects.toThrow('stop now');
    expect(calls).toBe(1);
    const already = new AbortController();
    already.abort(new Error('before start'));
    await expect(evaluate({ model, benchmark: new One(), signal: already.signal })).rejects.toThrow('before start');
    expect(calls).toBe(1);
  });

  it('cuts outputs at the first stop sequence', () => {
    expect(cutAtStop('a Question: b </s>', ['</s>', 'Question:'])).toBe('a ');
    expect(cutAtStop('abc', undefined)).toBe('abc');
  });
});

describe('openAICompatibleModel', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends chat messages, reads usage and estimates cost', async () => {
    server = await startFakeOpenAIServer(() => ({ text: 'hi', usage: { prompt_tokens: 1000, completion_tokens: 500 } }));
    const model = openAICompatibleModel({ baseURL: server.baseURL + '/', model: 'chat-m', apiKeyEnv: 'EXPTRACK_TEST_KEY_UNSET', pricing: { promptPer1k: 0.5, completionPer1k: 1.5 }, extraBody: { seed: 7 } });
    expect(model.id).toBe(`openai-compatible:chat-m@${server.baseURL}`);
    const out = await model.generate([{ role: 'system', content: 's' }, { role: 'user', content: 'u' }], { maxTokens: 10, temperature: 0.2, stop: ['x'] });
    expect(out).toEqual({ text: 'hi', usage: { promptTokens: 1000, completionTokens: 500 }, costUsd: 1.25 });
    const body = server.requests[0]!.body;
    expect(body).toMatchObject({ model: 'chat-m', max_tokens: 10, temperature: 0.2, stop: ['x'], seed: 7 });
    expect(body.messages).toEqual([{ role: 'system', content: 's' }, { role: 'user', content: 'u' }]);
    expect(server.requests[0]!.authorization).toBeUndefined();
  });

  it('turns HTTP failures into typed, retry-aware errors', async () => {
    server = await startFakeOpenAIServer((req) => (req.prompt === 'slow' ? { status: 429, retryAfter: '2' } : { status: 401 }));
    const model = openAICompatibleModel({ baseURL: server.baseURL, model: 'm', endpoint: 'completions' });
    await expect(model.generate('slow', {})).rejects.toMatchObject({ name: 'ModelRequestError', code: 'rate_limited', status: 429, retryAfterMs: 2000, isRetryable: true });
    await expect(model.generate('other', {})).rejects.toMatchObject({ status: 401, isRetryable: false });
    await expect(model.generate([{ role: 'user', content: 'x' }], {})).rejects.toMatchObject({ code: 'invalid_input' });
    const closed = openAICompatibleModel({ baseURL: 'http://127.0.0.1:9/v1', model: 'm' });
    await expect(closed.generate('x', {})).rejects.toMatchObject({ code: 'unavailable', isRetryable: true, status: null });
  });
});

describe('import hygiene', () => {
  it('the eval sources import no backend, driver or tracker module', () => {
    const root = fileURLToPath(new URL('../../src/eval', import.meta.url));
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(15);
    const offenders: string[] = [];
    for (const f of files) {
      // Code only: TSDoc examples import from 'exptrack/eval' on purpose.
      const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        // The optional peers are loaded by one file each: @huggingface/tokenizers by the tokenizer loader, hyparquet by the Parquet reader.
        const optionalPeer =
          (spec === '@huggingface/tokenizers' && f.endsWith(join('models', 'tokenizer.ts'))) || (spec === 'hyparquet' && f.endsWith(join('data', 'parquet.ts')));
        const allowed = optionalPeer || spec === 'exptrack' || spec.startsWith('node:') || (spec.startsWith('.') && !spec.includes('..' + '/backends') && !/\.\.\/(?:\.\.\/)*(?:backends|tracker|cli|ui)\//.test(spec));
        if (!allowed || /better-sqlite3|kysely|\bpg\b/.test(spec)) offenders.push(`${f}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
