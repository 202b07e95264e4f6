// A store whose every user-provided field holds markup that would run script if the dashboard
// ever parsed it as HTML: each payload increments window.__xss.
import type { EvaluationSample } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { curve, evaluation, started } from './fixtures.js';

export const PAYLOADS = [
  '<script>window.__xss=(window.__xss||0)+1</script>',
  '<img src=x onerror="window.__xss=(window.__xss||0)+1">',
  '"><svg onload="window.__xss=(window.__xss||0)+1">',
  "'><iframe src=\"javascript:parent.__xss=(parent.__xss||0)+1\"></iframe>",
  'javascript:window.__xss=(window.__xss||0)+1',
];

const P = (i: number) => PAYLOADS[i % PAYLOADS.length] as string;

export async function xssStore(): Promise<MemoryBackend> {
  const store = new MemoryBackend();
  await store.init();
  const samples = (right: (i: number) => boolean): EvaluationSample[] =>
    Array.from({ length: 10 }, (_, i) => ({ id: `${P(i)}#${i}`, prompt: P(i + 1), output: P(i + 2), extracted: P(i + 3), gold: P(i + 4), correct: right(i), error: i === 9 ? P(i) : null }));
  const git = { commit: 'a'.repeat(40), branch: P(0), remoteUrl: P(1), dirty: true, changedFiles: [P(2), P(3)], untrackedCount: 1, patch: P(4), patchTruncated: false, root: P(0), via: 'git-cli' as const };
  const environment = { argv: [P(0), P(1)], cwd: P(2), nodeVersion: P(3), platform: P(4), osRelease: P(0), arch: P(1), cpuModel: P(2), cpuCount: 2, totalMemoryBytes: 2 ** 30, hostname: P(3), user: P(4), pid: 1, packages: { [P(0)]: P(1) }, env: { [P(2)]: P(3) } };
  for (const [n, id] of ['xss_a', 'xss_b'].entries()) {
    await store.write([
      started(id, { [P(0)]: P(1), nested: { [P(2)]: [P(3)] }, learning_rate: n }, {
        name: `${P(n)} run ${n}`,
        notes: PAYLOADS.join('\n'),
        group: P(2),
        tags: { [P(3)]: P(4), plain: P(0) },
        git,
        environment,
        summary: { [P(1)]: P(2) },
        error: { message: P(3), stack: P(4) },
        status: 'failed',
        createdAt: 1_767_225_600_000 + n,
      }),
      curve(id, P(n), [0, 1, 2, 3], [4, 3, 2, 1 + n]),
      curve(id, 'loss', [0, 1, 2, 3], [4, 3, 2, 1 + n]),
      evaluation(id, P(4), { accuracy: 0.5 + n / 10 }, samples((i) => (n === 0 ? i < 5 : i >= 3))),
      { type: 'checkpoint', experimentId: id, checkpoint: { experimentId: id, path: P(1), step: 1, metrics: { [P(2)]: 1 }, sizeBytes: 1, sha256: 'b'.repeat(64), fileCount: 1, createdAt: 1_767_225_600_000 } },
    ]);
  }
  return store;
}
