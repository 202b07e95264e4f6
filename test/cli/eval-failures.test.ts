import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteBackend } from 'exptrack/sqlite';
import { cliAsync, requireBuild, tempDir } from './helpers.js';

const TEST = Array.from({ length: 4 }, (_, i) => ({ question: `Item ${i}: what is ${i} + ${i}?`, answer: `#### ${2 * i}` }));

let dir: string;
let flaky: Server;
let flakyURL: string;

beforeAll(async () => {
  requireBuild();
  dir = tempDir('exptrack-cli-evalfail-');
  writeFileSync(join(dir, 'test.jsonl'), TEST.map((t) => JSON.stringify(t)).join('\n') + '\n');
  const train = Array.from({ length: 8 }, (_, i) => ({ question: `Warm-up ${i}?`, answer: `#### ${i}` }));
  writeFileSync(join(dir, 'train.jsonl'), train.map((t) => JSON.stringify(t)).join('\n') + '\n');
  // Answers every item but "Item 1", which gets a 400 (not retried).
  flaky = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      if (body.includes('Item 1: what')) res.writeHead(400, { 'content-type': 'text/plain' }).end('bad item');
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ text: '#### 0' }] }));
    });
  });
  await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
  flakyURL = `http://user:pw-SECRET@127.0.0.1:${(flaky.address() as AddressInfo).port}/v1?key=key-SECRET`;
});

afterAll(async () => {
  flaky?.closeAllConnections();
  await new Promise<void>((r) => (flaky ? flaky.close(() => r()) : r()));
});

async function experiment(db: string) {
  const store = new SqliteBackend({ path: db });
  await store.init();
  try {
    const [e] = await store.getAllExperiments();
    return { experiment: e!, evaluations: await store.getEvaluationResults(e!.id), samples: await store.getEvaluationSamples(e!.id) };
  } finally {
    await store.close();
  }
}

describe('exptrack eval when requests fail', () => {
  it.each([
    ['--limit 1: its one request failed', ['--limit', '1'], /every one of the 1 requests failed.*the first error: .*request to http:\/\/127\.0\.0\.1:9\/v1\/completions failed/],
    ['every item: the circuit breaker stops it', [], /evaluation stopped after 8 failed requests in a row with the same error: .*request to http:\/\/127\.0\.0\.1:9\/v1\/completions failed/],
  ])('exits 1 with the first error and marks the run failed against a dead server (%s)', async (_name, extra, message) => {
    const db = join(dir, `dead${extra.length}.db`);
    const r = await cliAsync(['eval', 'gsm8k', '--model', 'toy', '--base-url', 'http://127.0.0.1:9/v1', '--data', dir, '--db', db, ...extra]).done;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(message);
    const { experiment: e } = await experiment(db);
    expect(e.status).toBe('failed');
    expect(e.error?.message).toMatch(/request to http:\/\/127\.0\.0\.1:9\/v1\/completions failed/);
  });

  it('prints the count and the first error of a partial failure, and stores no credential of the base URL', async () => {
    const db = join(dir, 'flaky.db');
    const r = await cliAsync(['eval', 'gsm8k', '--model', 'toy', '--base-url', flakyURL, '--data', dir, '--db', db, '--concurrency', '1']).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/1 of 4 requests failed .*the first error: .*400/);
    const stored = await experiment(db);
    expect(stored.experiment.status).toBe('completed');
    expect(JSON.stringify(stored)).not.toContain('SECRET');
    expect(stored.experiment.config.base_url).toBe(`http://127.0.0.1:${(flaky.address() as AddressInfo).port}/v1?key=[redacted]`);
  });
});
