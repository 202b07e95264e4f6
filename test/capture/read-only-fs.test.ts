import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { readOnlyFs } from '../../src/capture/read-only-fs.js';
import { cleanup, tempDir, write } from './git-fixtures.js';

const made: string[] = [];
afterAll(() => cleanup(...made));

describe('readOnlyFs', () => {
  it('reads through and refuses every write with EROFS', async () => {
    const dir = tempDir();
    made.push(dir);
    write(dir, { 'a.txt': 'a' });
    const fs = readOnlyFs().promises as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    expect(String(await fs.readFile!(join(dir, 'a.txt'), 'utf8'))).toBe('a');
    for (const [method, args] of [
      ['writeFile', [join(dir, 'a.txt'), 'b']],
      ['unlink', [join(dir, 'a.txt')]],
      ['mkdir', [join(dir, 'sub')]],
      ['rmdir', [dir]],
      ['symlink', ['a.txt', join(dir, 'link')]],
    ] as const) {
      await expect(fs[method]!(...args)).rejects.toMatchObject({ code: 'EROFS' });
    }
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('a');
    expect(existsSync(join(dir, 'sub'))).toBe(false);
    expect(existsSync(join(dir, 'link'))).toBe(false);
  });
});
