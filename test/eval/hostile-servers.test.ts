import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
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

/** Starts a one-route server for a test and gives its base URL; `close` ends every socket. */
async function oneRoute(handler: Parameters<typeof createServer>[1]) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('the node:http transport (the default without a fetch option)', () => {
  it('reads gzip and br answers, decompressed, and reuses one keep-alive socket for calls one after another', async () => {
    const sockets = new Set<unknown>();
    const echoed = JSON.stringify({ choices: [{ index: 0, text: '#### 7', logprobs: { token_logprobs: [null, -0.5, -0.25], top_logprobs: [null, { a: -0.5 }, { b: -0.1 }] } }] });
    const s = await oneRoute((req, res) => {
      sockets.add(req.socket);
      req.resume().on('end', () => {
        const br = req.url?.includes('br');
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': br ? 'br' : 'gzip' }).end(br ? brotliCompressSync(echoed) : gzipSync(echoed));
      });
    });
    try {
      const m = openAICompatibleModel({ baseURL: s.baseURL, model: 'm', endpoint: 'completions', apiKey: 'k', tokenizer: { encode: (t) => [...t].map((c) => c.charCodeAt(0)), prefixTokenId: 0 } });
      expect(await m.generate('x', {})).toMatchObject({ text: '#### 7' });
      expect(await m.generate('y', {})).toMatchObject({ text: '#### 7' });
      expect(await m.loglikelihood!([{ context: 'a', continuation: 'bc' }], {})).toEqual([{ logprob: -0.75, isGreedy: false }]);
      expect(sockets.size).toBe(1);
      const br = openAICompatibleModel({ baseURL: `${s.baseURL}/br`, model: 'm', endpoint: 'completions', apiKey: 'k' });
      expect(await br.generate('x', {})).toMatchObject({ text: '#### 7' });
    } finally {
      await s.close();
    }
  });

  it('a log-likelihood answer past maxResponseBytes fails unread, as a generation one does', async () => {
    const before = servers.endlessBytes();
    const m = model('endless', { maxResponseBytes: 1 << 16, tokenizer: { encode: (t) => [...t].map((c) => c.charCodeAt(0)), prefixTokenId: 0 } });
    await expect(m.loglikelihood!([{ context: 'a', continuation: 'b' }], {})).rejects.toMatchObject({ code: 'backend_failed', message: expect.stringContaining('larger than 65536 bytes') });
    expect(servers.endlessBytes() - before).toBeLessThan(64 << 20);
  });

  it('aborting while the body is read rejects with the reason and closes the socket', async () => {
    let closed = false;
    const s = await oneRoute((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"choices": [');
      res.on('close', () => (closed = true));
    });
    try {
      const m = openAICompatibleModel({ baseURL: s.baseURL, model: 'm', endpoint: 'completions', apiKey: 'k' });
      const controller = new AbortController();
      const reason = new Error('stopped by the test');
      setTimeout(() => controller.abort(reason), 100);
      await expect(m.generate('x', { signal: controller.signal })).rejects.toBe(reason);
      await expect.poll(() => closed).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('an https baseURL goes through node:https with certificate checks: a self-signed server is refused, nothing is sent', async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'exptrack-tls-'));
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    if (made.status !== 0) return ctx.skip('openssl is not available to make a self-signed certificate');
    let bodies = 0;
    const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      bodies++;
      req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices":[{"text":"#### 7"}]}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const m = openAICompatibleModel({ baseURL: `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, model: 'm', endpoint: 'completions', apiKey: 'sk-secret' });
      await expect(m.generate('x', {})).rejects.toMatchObject({ name: 'ModelRequestError', code: 'unavailable', message: expect.stringMatching(/failed: .*self[- ]signed certificate/) });
      expect(bodies).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a 503 answer becomes a retryable error carrying retry-after, its body quoted', async () => {
    const s = await oneRoute((req, res) => req.resume().on('end', () => res.writeHead(503, { 'retry-after': '2' }).end('overloaded, come back')));
    try {
      const m = openAICompatibleModel({ baseURL: s.baseURL, model: 'm', endpoint: 'completions', apiKey: 'k' });
      await expect(m.generate('x', {})).rejects.toMatchObject({ name: 'ModelRequestError', status: 503, isRetryable: true, retryAfterMs: 2000, message: expect.stringContaining('overloaded') });
    } finally {
      await s.close();
    }
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
