import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Gsm8kBenchmark, loadGsm8kSplit, numericMatch, parseGsm8kGold, sha256Hex, GSM8K_SHA256 } from 'exptrack/eval';

// Reads the real GSM8K split only through GSM8K_DIR (never downloads). Run with
// GSM8K_DIR=/path/to/gsm8k npx vitest run test/eval
const dir = process.env.GSM8K_DIR;

describe('GSM8K real test split (GSM8K_DIR)', () => {
  it.skipIf(!dir)('has the canonical bytes', () => {
    const bytes = readFileSync(join(dir!, 'test.jsonl'));
    expect(sha256Hex(bytes)).toBe(GSM8K_SHA256['test.jsonl']);
  });

  it.skipIf(!dir)('parses all 1,319 gold answers, and every scorer marks the gold solution correct', async () => {
    const records = await loadGsm8kSplit('test', { source: dir! });
    expect(records).toHaveLength(1319);
    const gsm8k = new Gsm8kBenchmark();
    const failures: string[] = [];
    let withCommas = 0;
    let negative = 0;
    for (const r of records) {
      expect(r.gold).toMatch(/^-?\d+$/);
      expect(parseGsm8kGold(r.answer)).toBe(r.gold);
      if (/#### .*,/.test(r.answer)) withCommas++;
      if (r.gold.startsWith('-')) negative++;
      const strict = gsm8k.extractAnswer(r.answer, 'strict-match');
      const flexible = gsm8k.extractAnswer(r.answer, 'flexible-extract');
      const checks = {
        strictFull: gsm8k.checkAnswer(strict, r.answer),
        strictBare: gsm8k.checkAnswer(strict, r.gold),
        flexibleFull: gsm8k.checkAnswer(flexible, r.answer),
        flexibleBare: gsm8k.checkAnswer(flexible, r.gold),
        numeric: numericMatch(r.answer, r.answer),
      };
      for (const [name, ok] of Object.entries(checks)) if (!ok) failures.push(`${r.index} ${name}: strict=${strict} flexible=${flexible} gold=${r.gold}`);
    }
    expect(failures).toEqual([]);
    // The split has answers with thousands commas and negative answers; both must have been exercised.
    expect(withCommas).toBeGreaterThan(0);
    expect(negative).toBeGreaterThan(0);
  });

  it.skipIf(!dir)('the gsm8k-cot variant also accepts every gold answer', async () => {
    const records = await loadGsm8kSplit('test', { source: dir! });
    const cot = new Gsm8kBenchmark({ variant: 'cot' });
    const wrong = records.filter((r) => !cot.checkAnswer(cot.extractAnswer(`The answer is ${r.gold}.`, 'strict-match'), r.answer));
    expect(wrong.map((r) => r.index)).toEqual([]);
  });

  it.skipIf(!dir)('builds lm-eval 5-shot prompts from the real train split', async () => {
    const gsm8k = new Gsm8kBenchmark({ source: dir! });
    const samples = await gsm8k.loadDataset({ numSamples: 2 });
    const train = await loadGsm8kSplit('train', { source: dir! });
    expect(train).toHaveLength(7473);
    // random.Random(1234).sample(range(7473), 5) in CPython: [6374, 3610, 957, 61, 742]
    expect(samples[0]!.fewshot.map((f) => f.question)).toEqual([6374, 3610, 957, 61, 742].map((i) => train[i]!.question));
    expect(samples[1]!.fewshot.map((f) => f.question)).toEqual([7462, 6610, 4769, 286, 5501].map((i) => train[i]!.question));
  });
});
