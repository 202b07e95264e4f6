/**
 * Multiple-choice task data read from Parquet, as Hugging Face datasets ship it: the files under
 * fixtures/mc-parquet are the JSON Lines fixtures of fixtures/mc written by pyarrow
 * (scripts/parquet-fixtures/make_parquet_fixtures.py), so every row and every result must match.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BenchmarkRegistry, evaluate, parseJsonl, readParquetRows, readSplitRecords, type LoglikelihoodRequest, type Model } from 'exptrack/eval';

const JSONL = fileURLToPath(new URL('./fixtures/mc/', import.meta.url));
const PARQUET = fileURLToPath(new URL('./fixtures/mc-parquet/', import.meta.url));

const jsonlRows = (path: string) => parseJsonl(readFileSync(join(JSONL, path), 'utf8'), path).map((r) => r.value);

/** An in-process model whose log-likelihood depends only on the request's text. */
const textModel: Model = {
  id: 'text-hash',
  generate: async () => '',
  loglikelihood: async (requests: readonly LoglikelihoodRequest[]) =>
    requests.map((r) => {
      let h = 7;
      for (const ch of r.context + '|' + r.continuation) h = (h * 31 + ch.charCodeAt(0)) % 1009;
      return { logprob: -h / 16, isGreedy: h % 5 === 0 };
    }),
};

describe('readParquetRows', () => {
  const files: Array<[string, string]> = [
    ['ai2_arc/ARC-Easy/test-00000-of-00001.parquet', 'ai2_arc/ARC-Easy/test.jsonl'],
    ['mmlu/anatomy/test-00000-of-00001.parquet', 'mmlu/anatomy/test.jsonl'],
    ['mmlu/anatomy/dev-00000-of-00001.parquet', 'mmlu/anatomy/dev.jsonl'],
    ['hellaswag/validation-00000-of-00001.parquet', 'hellaswag/validation.jsonl'],
    ['winogrande/winogrande_xl/validation-00000-of-00001.parquet', 'winogrande/winogrande_xl/validation.jsonl'],
  ];
  for (const [parquet, jsonl] of files) {
    it(`${parquet} holds exactly the rows of ${jsonl} (nested structs and lists, int64 as numbers)`, async () => {
      const rows = await readParquetRows(join(PARQUET, parquet));
      const expected = jsonlRows(jsonl);
      expect(rows.length).toBeGreaterThan(2);
      expect(rows).toEqual(expected);
    });
  }

  // The MMLU split written by pyarrow with each codec (scripts/parquet-fixtures/make_parquet_fixtures.py).
  for (const [codec, how] of [['gzip', 'node:zlib'], ['brotli', 'node:zlib'], ['lz4', "LZ4_RAW, exptrack's decoder"]] as const) {
    it(`reads ${codec.toUpperCase()} pages (${how}) to the rows of the JSON Lines split`, async () => {
      expect(await readParquetRows(join(PARQUET, `codecs/${codec}/test-00000-of-00001.parquet`))).toEqual(jsonlRows('mmlu/anatomy/test.jsonl'));
    });
  }

  const hasZstd = typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function';
  it(`reads ZSTD pages where node:zlib has zstd, else fails naming the codec and the Node version (this Node ${process.versions.node}: ${hasZstd ? 'has' : 'lacks'} it)`, async () => {
    const file = join(PARQUET, 'codecs/zstd/test-00000-of-00001.parquet');
    if (hasZstd) expect(await readParquetRows(file)).toEqual(jsonlRows('mmlu/anatomy/test.jsonl'));
    else await expect(readParquetRows(file)).rejects.toMatchObject({ code: 'parse_error', value: file, message: expect.stringMatching(/ZSTD.*Node >= 22\.15/) });
  });

  it('refuses an int64 beyond 2^53 instead of rounding it', async () => {
    const file = join(PARQUET, 'bad/test-00000-of-00001.parquet');
    await expect(readParquetRows(file)).rejects.toMatchObject({ code: 'parse_error', message: expect.stringContaining('1152921504606846977') });
  });

  it('names the file that is not Parquet, and a missing one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exptrack-parquet-'));
    writeFileSync(join(dir, 'test.parquet'), '{"question": "not parquet"}\n');
    await expect(readParquetRows(join(dir, 'test.parquet'))).rejects.toMatchObject({ code: 'parse_error', value: join(dir, 'test.parquet') });
    await expect(readParquetRows(join(dir, 'nope.parquet'))).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('data directories of Parquet files', () => {
  it('readSplitRecords finds <config>/<split>-00000-of-00001.parquet and reads it like the JSON Lines split', async () => {
    expect(await readSplitRecords(join(PARQUET, 'ai2_arc'), 'train', ['ARC-Easy'])).toEqual(jsonlRows('ai2_arc/ARC-Easy/train.jsonl'));
    await expect(readSplitRecords(join(PARQUET, 'ai2_arc'), 'nosuchsplit', ['ARC-Easy'])).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('nosuchsplit.parquet') });
  });

  it('prefers JSON Lines where a folder holds both, and finds shards under data/', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exptrack-parquet-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'test-00000-of-00001.parquet'), readFileSync(join(PARQUET, 'mmlu/anatomy/test-00000-of-00001.parquet')));
    expect(await readSplitRecords(dir, 'test')).toEqual(jsonlRows('mmlu/anatomy/test.jsonl'));
    writeFileSync(join(dir, 'data', 'test.jsonl'), '{"question": "from jsonl"}\n');
    expect(await readSplitRecords(dir, 'test')).toEqual([{ question: 'from jsonl' }]);
  });

  const tasks: Array<{ task: string; dir: string; numFewshot?: number }> = [
    { task: 'arc_easy', dir: 'ai2_arc' },
    { task: 'arc_easy', dir: 'ai2_arc', numFewshot: 3 },
    { task: 'mmlu_anatomy', dir: 'mmlu', numFewshot: 5 },
    { task: 'hellaswag', dir: 'hellaswag', numFewshot: 2 },
    { task: 'winogrande', dir: 'winogrande' },
  ];
  for (const { task, dir, numFewshot } of tasks) {
    it(`${task}${numFewshot ? ` (${numFewshot}-shot)` : ''} from Parquet gives the requests and metrics of the JSON Lines data`, async () => {
      const run = (root: string) =>
        evaluate({ model: textModel, benchmark: BenchmarkRegistry.default().get(task, { source: join(root, dir) }), cache: false, concurrency: 2, ...(numFewshot === undefined ? {} : { numFewshot }) });
      const [fromParquet, fromJsonl] = await Promise.all([run(PARQUET), run(JSONL)]);
      expect(fromParquet.counts.errors).toBe(0);
      expect(fromParquet.samples.length).toBeGreaterThan(2);
      expect(fromParquet.samples.map((s) => [s.prompt, s.gold, s.metadata])).toEqual(fromJsonl.samples.map((s) => [s.prompt, s.gold, s.metadata]));
      // Timing metrics aside (latency, throughput), every metric is the same.
      const scores = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).filter(([k]) => !/latency|time|per_second/.test(k)));
      expect(Object.keys(scores(fromParquet.metrics))).toContain('acc');
      expect(scores(fromParquet.metrics)).toEqual(scores(fromJsonl.metrics));
    });
  }
});
