import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseBenchmark, evaluate, llmJudge, openAICompatibleModel, type BenchmarkSample } from 'exptrack/eval';
import { startHostileServers, type HostileServers } from '../fixtures/hostile/hostile-servers.js';

class Sums extends BaseBenchmark<BenchmarkSample> {
  readonly name = 'sums';
  constructor(private readonly n = 20) {
    super();
  }
  loadDataset() {
    return Array.from({ length: this.n }, (_, i) => ({ id: `q${i}`, gold: '7' }));
  }
  buildPrompt(s: BenchmarkSample) {
    return `What is ${s.id}?`;
  }
}

let servers: HostileServers;
beforeAll(async () => {
  servers = await startHostileServers();
});
afterAll(async () => {
  await servers?.close();
});

const model = (route: string, extra: Partial<Parameters<typeof openAICompatibleModel>[0]> = {}) =>
  openAICompatibleModel({ baseURL: `${servers.origin}/${route}/v1`, model: 'm', endpoint: 'completions', apiKey: 'sk-secret', ...extra });

describe('openAICompatibleModel against hostile servers', () => {
  it('fails a request whose body passes maxResponseBytes, reading little more than the cap', async () => {
    const before = servers.endlessBytes();
    const error = await model('endless', { maxResponseBytes: 1 << 20 }).generate('x', {}).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'ModelRequestError', code: 'backend_failed', isRetryable: false });
    expect(String((error as Error).message)).toContain('larger than 1048576 bytes (maxResponseBytes)');
    // The server keeps writing into socket buffers for a moment, but nowhere near an endless read.
    expect(servers.endlessBytes() - before).toBeLessThan(64 << 20);
  });

  it('bounds a compressed body by what it inflates to, not by its declared content-length', async () => {
    const bomb = gzipSync(Buffer.alloc(8 << 20, 0x20));
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const m = openAICompatibleModel({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, model: 'm', endpoint: 'completions', apiKey: 'k', maxResponseBytes: 1 << 20 });
      expect(bomb.length).toBeLessThan(1 << 20);
      await expect(m.generate('x', {})).rejects.toMatchObject({ code: 'backend_failed', message: expect.stringContaining('larger than 1048576 bytes') });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a redirect to another origin: neither authorization nor custom headers reach it', async () => {
    const error = await model('redirect', { headers: { 'x-api-key': 'custom-secret' } }).generate('x', {}).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'ModelRequestError', isRetryable: false });
    expect(String((error as Error).message)).toContain('redirected to another origin');
    expect(servers.collected).toEqual([]);
  });

  it('follows a redirect within the same origin', async () => {
    expect(await model('same-origin').generate('x', {})).toMatchObject({ text: '#### 7' });
  });

  it('bounds a judge backed by the model the same way', async () => {
    const judge = llmJudge({ model: model('endless', { endpoint: 'chat', maxResponseBytes: 1 << 16 }) });
    await expect(judge.grade({ question: 'q', answer: 'a' })).rejects.toMatchObject({ name: 'ModelRequestError' });
  });
});

describe('evaluate against hostile servers', () => {
  it('stops after maxConsecutiveFailures identical failures instead of waiting out Retry-After: 999999 on every row', async () => {
    const t0 = Date.now();
    const run = evaluate({ model: model('retry-after'), benchmark: new Sums(50), cache: false, concurrency: 4, maxRetryAfterMs: 50, maxConsecutiveFailures: 6 });
    await expect(run).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('evaluation stopped after 6 failed requests in a row with the same error') });
    expect(Date.now() - t0).toBeLessThan(5_000);
    // Far fewer requests than 50 rows x 4 attempts.
    expect(servers.hits['retry-after']).toBeLessThan(20);
  });

  it('reports errors and firstError when every request failed', async () => {
    const dead = openAICompatibleModel({ baseURL: 'http://127.0.0.1:9/v1', model: 'm', endpoint: 'completions' });
    const result = await evaluate({ model: dead, benchmark: new Sums(3), cache: false, retries: 0, maxConsecutiveFailures: Infinity });
    expect(result.errors).toBe(3);
    expect(result.counts.rows).toBe(3);
    expect(result.firstError).toMatch(/request to http:\/\/127\.0\.0\.1:9\/v1\/completions failed/);
  });

  it('reports the count and first error of a partial failure', async () => {
    let n = 0;
    const flaky = async () => {
      n += 1;
      if (n === 2) throw new Error('boom on the second');
      return '#### 7';
    };
    const result = await evaluate({ model: flaky, benchmark: new Sums(4), cache: false, retries: 0, concurrency: 1 });
    expect(result.errors).toBe(1);
    expect(result.firstError).toContain('boom on the second');
  });
});
