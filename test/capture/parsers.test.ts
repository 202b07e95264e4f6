import { describe, expect, it } from 'vitest';

import { pickRemoteUrl } from '../../src/capture/git-cli.js';
import { parseStatusV2 } from '../../src/capture/git-status.js';
import { capPatch } from '../../src/capture/patch-cap.js';
import { redactUrlCredentials, stripUrlCredentials } from '../../src/capture/redact-url.js';

describe('stripUrlCredentials', () => {
  it.each([
    ['https://user:token@host/x.git', 'https://host/x.git'],
    ['https://ghp_abc@github.com/o/r.git', 'https://github.com/o/r.git'],
    ['http://u:p%40ss@host:8080/x', 'http://host:8080/x'],
    ['https://host/x.git', 'https://host/x.git'],
    ['https://host/path@v1/x.git', 'https://host/path@v1/x.git'],
    ['ssh://git@host/x.git', 'ssh://git@host/x.git'],
    ['ssh://git:pw@host:22/x.git', 'ssh://git@host:22/x.git'],
    ['git@host:x.git', 'git@host:x.git'],
    ['/srv/repos/x.git', '/srv/repos/x.git'],
    ['file:///srv/x.git', 'file:///srv/x.git'],
  ])('%s -> %s', (input, expected) => {
    expect(stripUrlCredentials(input)).toBe(expected);
  });
});

describe('redactUrlCredentials', () => {
  it('removes user-info from every URL in a text', () => {
    expect(redactUrlCredentials('postgres://u:p@db:5432/x,https://tok@h/y plain')).toBe('postgres://db:5432/x,https://h/y plain');
    expect(redactUrlCredentials('no url here: a@b')).toBe('no url here: a@b');
  });
});

describe('pickRemoteUrl', () => {
  it('prefers origin, else the first remote, and strips credentials', () => {
    const out = 'backup\thttps://b@h/b.git (fetch)\nbackup\thttps://b@h/b.git (push)\norigin\thttps://u:t@h/o.git (fetch)\norigin\thttps://u:t@h/o.git (push)\n';
    expect(pickRemoteUrl(out)).toBe('https://h/o.git');
    expect(pickRemoteUrl('backup\thttps://b@h/b.git (fetch)\n')).toBe('https://h/b.git');
    expect(pickRemoteUrl('')).toBeNull();
  });
});

describe('parseStatusV2', () => {
  const oid = 'a'.repeat(40);
  it('reads branch, commit, changed paths with spaces, renames, unmerged and untracked records', () => {
    const records = [
      `# branch.oid ${oid}`,
      '# branch.head feature/x',
      '# branch.upstream origin/feature/x',
      `1 .M N... 100644 100644 100644 ${'b'.repeat(40)} ${'b'.repeat(40)} dir/with space.txt`,
      `2 R. N... 100644 100644 100644 ${'c'.repeat(40)} ${'c'.repeat(40)} R100 new name.txt`,
      'old name.txt',
      `u UU N... 100644 100644 100644 100644 ${'d'.repeat(40)} ${'e'.repeat(40)} ${'f'.repeat(40)} conflict.txt`,
      '? untracked one.txt',
      '? other',
      '! ignored.log',
      '',
    ];
    expect(parseStatusV2(records.join('\0'))).toEqual({
      commit: oid,
      branch: 'feature/x',
      changedFiles: ['conflict.txt', 'dir/with space.txt', 'new name.txt', 'old name.txt'],
      untrackedCount: 2,
    });
  });

  it('reads a detached HEAD and a repository without commits', () => {
    expect(parseStatusV2(`# branch.oid ${oid}\0# branch.head (detached)\0`)).toMatchObject({ commit: oid, branch: null });
    expect(parseStatusV2('# branch.oid (initial)\0# branch.head main\0')).toMatchObject({ commit: null, branch: 'main' });
  });
});

describe('capPatch', () => {
  const section = (name: string, lines: number) =>
    `diff --git a/${name} b/${name}\n--- a/${name}\n+++ b/${name}\n@@ -0,0 +1,${lines} @@\n${'+x\n'.repeat(lines)}`;
  const a = section('a', 1);
  const b = section('b', 50);
  const c = section('c', 1);
  const full = Buffer.from(a + b + c);

  it('keeps a patch under the cap as it is', () => {
    expect(capPatch(full, full.length, false)).toEqual({ patch: a + b + c, truncated: false });
  });

  it('keeps whole sections while they fit and stops at the first that does not', () => {
    expect(capPatch(full, Buffer.byteLength(a + b) + 1, false)).toEqual({ patch: a + b, truncated: true });
    expect(capPatch(full, Buffer.byteLength(a) + 10, false)).toEqual({ patch: a, truncated: true });
  });

  it('never keeps the last section of an output the reader already cut', () => {
    const cut = Buffer.from(a + b.slice(0, 40));
    expect(capPatch(cut, cut.length - 1, true)).toEqual({ patch: a, truncated: true });
  });

  it('keeps the start of the first section, cut at a line, when no section fits', () => {
    const result = capPatch(Buffer.from(b), 60, false);
    expect(result.truncated).toBe(true);
    expect(result.patch.length).toBeLessThanOrEqual(60);
    expect(result.patch.endsWith('\n')).toBe(true);
    expect(b.startsWith(result.patch)).toBe(true);
  });

  it('leaves out a section that is not valid UTF-8', () => {
    const latin1 = Buffer.concat([Buffer.from('diff --git a/l b/l\n+caf'), Buffer.from([0xe9, 0x0a])]);
    const patch = Buffer.concat([Buffer.from(a), latin1, Buffer.from(c)]);
    expect(capPatch(patch, 1 << 20, false)).toEqual({ patch: a + c, truncated: true });
  });
});
