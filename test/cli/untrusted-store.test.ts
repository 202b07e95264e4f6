import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, makeStore, requireBuild, tempDir } from './helpers.js';

// What another version, a hand edit or a bug may leave in a store, and what stored text may do to a terminal.
const OSC52 = '\u001b]52;c;ZWNobyBwd25lZA==\u0007';
const TITLE = '\u001b]0;owned\u0007';
const SGR = '\u001b[31;5m';
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let db: string;
let ids: string[];

beforeAll(async () => {
  requireBuild();
  db = join(tempDir('exptrack-untrusted-'), 'runs.db');
  ids = await makeStore(db);
  const sql = new Database(db);
  const [a, b, c] = ids as [string, string, string];
  sql.prepare('UPDATE experiments SET name = ?, tags = ? WHERE id = ?').run(`evil${OSC52}${TITLE}${SGR}\r`, JSON.stringify({ [`k${SGR}`]: `v${OSC52}` }), a);
  sql.prepare('UPDATE metric_series SET key = ? WHERE experiment_id = ?').run(`loss${TITLE}`, a);
  // A timestamp no Date can hold, argv as a string, a numeric commit, a config 20,000 levels deep.
  let deep = '1';
  for (let i = 0; i < 20_000; i++) deep = `{"a":${deep}}`;
  sql.prepare('UPDATE experiments SET created_at = ?, environment = ?, git = ?, config = ? WHERE id = ?').run(
    1e300,
    JSON.stringify({ argv: 'node -e evil', cwd: '/x' }),
    JSON.stringify({ commit: 12345, dirty: 'yes', changedFiles: 'a.ts' }),
    `{"deep":${deep}}`,
    b,
  );
  sql.prepare('UPDATE experiments SET ended_at = ?, summary = ?, error = ? WHERE id = ?').run(-1e300, '[1,2]', '"just text"', c);
  sql.close();
});

const run = (...args: string[]) => cli([...args, '--db', db]);

describe('commands printing stored records', () => {
  it.each([
    ['list'],
    ['list', '--json'],
    ['stats'],
    ['stats', '--json'],
  ])('exptrack %s prints every odd record, escaping control characters', (...args) => {
    const r = run(...args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
  });

  it('list shows the escapes instead of acting on them', () => {
    const r = run('list');
    expect(r.stdout).toContain('evil\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\x1b]0;owned\\x07\\x1b[31;5m\\r');
    expect(r.stdout).toContain('loss\\x1b]0;owned\\x07=');
  });

  it.each([0, 1, 2])('show and report of odd record %i succeed with placeholders and no raw control character', (i) => {
    for (const args of [['show', ids[i]!], ['show', ids[i]!, '--json'], ['report', ids[i]!], ['report', ids[i]!, '--format', 'html']]) {
      const r = run(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout, args.join(' ')).not.toMatch(RAW_CONTROL);
    }
  });

  it('show prints the placeholders', () => {
    const r = run('show', ids[1]!);
    expect(r.stdout).toMatch(/created\s+\?/);
    expect(r.stdout).toContain('command     node -e evil');
    expect(r.stdout).toContain('commit      12345');
    expect(r.stdout).toContain('[nested too deeply]');
    const tags = run('show', ids[0]!);
    expect(tags.stdout).toContain('k\\x1b[31;5m=v\\x1b]52;c;ZWNobyBwd25lZA==\\x07');
  });

  it('--json keeps the stored text exactly (JSON escapes parse back to it)', () => {
    const r = run('show', ids[0]!, '--json');
    expect(JSON.parse(r.stdout).experiment.name).toBe(`evil${OSC52}${TITLE}${SGR}\r`);
  });
});
