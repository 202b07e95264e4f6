import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Gsm8kBenchmark, loadGsm8kSplit, PythonRandom, sha256Hex } from 'exptrack/eval';
import { MINI_TEST, MINI_TRAIN, toJsonl } from './fixtures/gsm8k-mini.js';

let server: Server | undefined;
afterEach(async () => {
  if (server) await new Promise<void>((r) => server!.close(() => r()));
  server = undefined;
});

async function serveFiles(files: Record<string, string>): Promise<{ base: string; hits: string[] }> {
  const hits: string[] = [];
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const body = files[req.url ?? ''];
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/jsonl' }).end(body);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/data`, hits };
}

describe('GSM8K loader', () => {
  const testText = toJsonl(MINI_TEST);
  const trainText = toJsonl(MINI_TRAIN);

  it('downloads a URL once into the cache directory and verifies its sha256', async () => {
    const { base, hits } = await serveFiles({ '/data/test.jsonl': testText, '/data/train.jsonl': trainText });
    const cacheDir = mkdtempSync(join(tmpdir(), 'exptrack-dl-'));
    const sha256 = { 'test.jsonl': sha256Hex(testText), 'train.jsonl': sha256Hex(trainText) };
    const first = await loadGsm8kSplit('test', { source: base, cacheDir, sha256 });
    expect(first.map((r) => r.gold)).toEqual(['7', '60', '750', '-5', '1234', '18']);
    const again = await loadGsm8kSplit('test', { source: base, cacheDir, sha256 });
    expect(again).toEqual(first);
    expect(hits).toEqual(['/data/test.jsonl']);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('test.jsonl'))).toHaveLength(1);

    // The benchmark loads the train split the same way for its few-shot examples.
    const bench = new Gsm8kBenchmark({ source: base, cacheDir, sha256 });
    const samples = await bench.loadDataset({ numSamples: 2 });
    expect(samples).toHaveLength(2);
    expect(hits).toEqual(['/data/test.jsonl', '/data/train.jsonl']);
  });

  it('rejects a download whose sha256 does not match and keeps nothing', async () => {
    const { base } = await serveFiles({ '/data/test.jsonl': testText });
    const cacheDir = mkdtempSync(join(tmpdir(), 'exptrack-dl-'));
    await expect(loadGsm8kSplit('test', { source: base, cacheDir, sha256: { 'test.jsonl': '0'.repeat(64) } })).rejects.toMatchObject({
      code: 'invalid_input',
      field: 'sha256',
    });
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('re-downloads a cached file that was corrupted', async () => {
    const { base, hits } = await serveFiles({ '/data/test.jsonl': testText });
    const cacheDir = mkdtempSync(join(tmpdir(), 'exptrack-dl-'));
    const sha256 = { 'test.jsonl': sha256Hex(testText) };
    await loadGsm8kSplit('test', { source: base, cacheDir, sha256 });
    const [cached] = readdirSync(cacheDir);
    writeFileSync(join(cacheDir, cached!), 'corrupted');
    const records = await loadGsm8kSplit('test', { source: base, cacheDir, sha256 });
    expect(records).toHaveLength(6);
    expect(hits).toHaveLength(2);
  });

  it('refuses an unknown URL without a hash, and reports HTTP failures', async () => {
    const { base } = await serveFiles({});
    const cacheDir = mkdtempSync(join(tmpdir(), 'exptrack-dl-'));
    await expect(loadGsm8kSplit('test', { source: base, cacheDir })).rejects.toMatchObject({ code: 'invalid_input', field: 'sha256' });
    await expect(loadGsm8kSplit('test', { source: base, cacheDir, allowUnverified: true })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reads a local directory or file, and names the bad line of a broken file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exptrack-gsm8k-'));
    writeFileSync(join(dir, 'test.jsonl'), testText);
    expect(await loadGsm8kSplit('test', { source: dir })).toHaveLength(6);
    expect(await loadGsm8kSplit('whatever', { source: join(dir, 'test.jsonl') })).toHaveLength(6);
    await expect(loadGsm8kSplit('train', { source: dir })).rejects.toMatchObject({ code: 'not_found' });
    writeFileSync(join(dir, 'bad.jsonl'), `${JSON.stringify(MINI_TEST[0])}\n{"question": "q", "answer": "no final line"}\n`);
    await expect(loadGsm8kSplit('test', { source: join(dir, 'bad.jsonl') })).rejects.toMatchObject({ code: 'parse_error', message: expect.stringContaining('bad.jsonl:2') });
    // A single file has no train split: the few-shot pool must be named.
    await expect(new Gsm8kBenchmark({ source: join(dir, 'test.jsonl') }).loadDataset({})).rejects.toMatchObject({ field: 'fewshotSource' });
    expect(existsSync(join(dir, 'train.jsonl'))).toBe(false);
  });

  it('draws few-shot examples as lm-eval does: one random.Random(1234).sample per document, in order', async () => {
    const bench = new Gsm8kBenchmark({ records: { test: MINI_TEST, train: MINI_TRAIN } });
    const samples = await bench.loadDataset({});
    const rnd = new PythonRandom(1234);
    for (const s of samples) {
      const want = rnd.sample(MINI_TRAIN.length, 5).map((i) => MINI_TRAIN[i]!.question);
      expect(s.fewshot.map((f) => f.question)).toEqual(want);
    }
    const prompt = bench.buildPrompt(samples[0]!) as string;
    expect(prompt.endsWith(`\n\nQuestion: ${MINI_TEST[0]!.question}\nAnswer:`)).toBe(true);
    expect(prompt).toContain('<<');
    const stripped = new Gsm8kBenchmark({ records: { test: MINI_TEST, train: MINI_TRAIN }, stripCalculatorAnnotations: true });
    expect(stripped.buildPrompt((await stripped.loadDataset({}))[0]!)).not.toContain('<<');
    // seed shuffles (Python's random.shuffle) before numSamples is applied
    const shuffled = await bench.loadDataset({ seed: 3, numSamples: 3 });
    const order = new PythonRandom(3).shuffle([0, 1, 2, 3, 4, 5]).slice(0, 3);
    expect(shuffled.map((s) => s.id)).toEqual(order.map((i) => `gsm8k-test-${i}`));
  });
});

describe('PythonRandom', () => {
  it('matches CPython random.Random for sample and shuffle', () => {
    // Values printed by CPython 3: random.Random(1234).sample(range(7473), 5) twice; Random(42) sample/shuffle.
    const r = new PythonRandom(1234);
    expect(r.sample(7473, 5)).toEqual([6374, 3610, 957, 61, 742]);
    expect(r.sample(7473, 5)).toEqual([7462, 6610, 4769, 286, 5501]);
    const r42 = new PythonRandom(42);
    expect(r42.sample(10, 10)).toEqual([1, 0, 4, 9, 6, 5, 8, 2, 3, 7]);
    expect(r42.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([5, 3, 2, 8, 4, 6, 7, 1, 9, 0]);
    expect(r42.sample(50, 8)).toEqual([45, 41, 44, 34, 26, 14, 28, 37]);
    const big = new PythonRandom(2 ** 40 + 7);
    expect(big.nextUint32()).toBe(2635837658);
    expect(big.sample(100000, 3)).toEqual([97953, 83823, 74762]);
    expect(() => new PythonRandom(1.5)).toThrow(/seed/);
  });
});
