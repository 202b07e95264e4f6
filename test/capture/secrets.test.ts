import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { redactArgv, redactUrl } from 'exptrack';
import { captureEnvironment, captureGit } from 'exptrack/capture';
import { BUILT, cli, requireBuild } from '../cli/helpers.js';
import { cleanup, git, makeRepo, tempDir } from './git-fixtures.js';

const SECRET_ARGV = [
  '/usr/bin/node', 'train.mjs',
  '--api-key', 'sk-live-AAAA',
  '--token=tok-BBBB',
  '--hf_token', 'hf-CCCC',
  '--db-password=pw-DDDD',
  '--auth', 'auth-EEEE',
  '--db', 'postgres://admin:pw-FFFF@db.example:5432/runs?sslmode=require&password=pw-GGGG&sslpassword=pw-HHHH',
  '--data', 'https://bucket.example/x.jsonl?X-Amz-Signature=sig-IIII&sig=sig-JJJJ&token=tok-KKKK&key=key-LLLL&v=2',
  '--lr', '0.001', '--max-tokens', '256',
];
const SECRETS = /AAAA|BBBB|CCCC|DDDD|EEEE|FFFF|GGGG|HHHH|IIII|JJJJ|KKKK|LLLL|MMMM/;

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

describe('secrets are never recorded', () => {
  it('redacts credential flag values (both forms), URL user-info and credential query parameters in argv, keeping what identifies the run', () => {
    const env = captureEnvironment({ argv: SECRET_ARGV, env: {} });
    expect(JSON.stringify(env.argv)).not.toMatch(SECRETS);
    expect(env.argv).toEqual([
      '/usr/bin/node', 'train.mjs',
      '--api-key', '[redacted]',
      '--token=[redacted]',
      '--hf_token', '[redacted]',
      '--db-password=[redacted]',
      '--auth', '[redacted]',
      '--db', 'postgres://db.example:5432/runs?sslmode=require&password=[redacted]&sslpassword=[redacted]',
      '--data', 'https://bucket.example/x.jsonl?X-Amz-Signature=[redacted]&sig=[redacted]&token=[redacted]&key=[redacted]&v=2',
      '--lr', '0.001', '--max-tokens', '256',
    ]);
  });

  it('redacts store URLs in recorded environment values, and extra patterns when configured', () => {
    const env = captureEnvironment({
      argv: ['node', 'x.mjs', '--note', 'ghp_MMMMMMMMMMMMMMMMMMMM', '--hf-pass', 'x-MMMM'],
      env: { EXPTRACK_DB: 'postgresql://u:pw-FFFF@h/db?password=pw-GGGG', EXPTRACK_OTHER: 'a' },
      redact: { patterns: [/ghp_[A-Za-z0-9]{20}/], flags: ['--hf-pass'] },
    });
    expect(env.env).toEqual({ EXPTRACK_DB: 'postgresql://h/db?password=[redacted]', EXPTRACK_OTHER: 'a' });
    expect(env.argv).toEqual(['node', 'x.mjs', '--note', '[redacted]', '--hf-pass', '[redacted]']);
  });

  it('redacts a token query parameter of the git remote', async () => {
    const root = makeRepo();
    dirs.push(root);
    git(root, 'remote', 'add', 'origin', 'https://example.com/team/x.git?access_token=tok-KKKK');
    const info = await captureGit(root);
    expect(info?.remoteUrl).toBe('https://example.com/team/x.git?access_token=[redacted]');
  });

  it('keeps a flag that merely looks like one (--max-tokens, --author, --key-metric)', () => {
    expect(redactArgv(['n', 's', '--max-tokens', '5', '--author', 'ann', '--key-metric', 'loss'])).toEqual(['n', 's', '--max-tokens', '5', '--author', 'ann', '--key-metric', 'loss']);
    expect(redactUrl('https://h/p?q=1#frag')).toBe('https://h/p?q=1#frag');
  });

  it('a run started with secrets on its command line holds none in the store, show, the report or the export', () => {
    requireBuild();
    const dir = tempDir('exptrack-secrets-');
    dirs.push(dir);
    const db = join(dir, 'runs.db');
    const script = join(dir, 'train.mjs');
    writeFileSync(script, `
      import { ExperimentTracker } from ${JSON.stringify(join(BUILT, 'dist/index.js'))};
      import { SqliteBackend } from ${JSON.stringify(join(BUILT, 'dist/sqlite.js'))};
      const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path: ${JSON.stringify(db)} })], captureGit: false, handleProcessEvents: false });
      await tracker.startExperiment({ lr: 0.001 }, { name: 'secret-run' });
      await tracker.finishExperiment();
      await tracker.close();
    `);
    const child = spawnSync(process.execPath, [script, ...SECRET_ARGV.slice(2)], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', EXPTRACK_DB: 'postgres://u:pw-FFFF@h/x?password=pw-GGGG' } });
    expect(child.status, child.stderr).toBe(0);
    const id = JSON.parse(cli(['list', '--json', '--db', db]).stdout).experiments[0].id as string;
    for (const args of [['show', id, '--json'], ['show', id], ['report', id], ['report', id, '--format', 'html'], ['export', id]]) {
      const r = cli([...args, '--db', db]);
      expect(r.status, r.stderr).toBe(0);
      if (args[0] !== 'report') expect(r.stdout, args.join(' ')).toContain('--api-key');
      expect(r.stdout, args.join(' ')).not.toMatch(SECRETS);
    }
  });
});
