import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const page = readFileSync(join(root, 'docs/RELIABILITY.md'), 'utf8');

/** The rows of the fault matrix: the table under `## The fault matrix`, without its header. */
function matrixRows(): string[][] {
  const section = page.split('## The fault matrix')[1]!.split('\n## ')[0]!;
  const rows = section.split('\n').filter((line) => line.startsWith('|'));
  return rows.slice(2).map((line) => line.slice(1, -1).split(' | ').map((cell) => cell.trim()));
}

describe('docs/RELIABILITY.md', () => {
  it('every row of the fault matrix has a fault, a store, an outcome, and names test files that exist', () => {
    const rows = matrixRows();
    expect(rows.length).toBeGreaterThan(40);
    for (const row of rows) {
      expect(row.length, row.join(' | ')).toBe(4);
      expect(row.every((cell) => cell.length > 0), row.join(' | ')).toBe(true);
      const files = [...row[3]!.matchAll(/`((?:test|src)\/[^`]+\.ts)`/g)].map((m) => m[1]!);
      expect(files.length, `no test named in: ${row[0]}`).toBeGreaterThan(0);
      for (const file of files) expect(existsSync(join(root, file)), file).toBe(true);
    }
  });
});
