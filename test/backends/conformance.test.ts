import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { MemoryBackend } from 'exptrack/memory';
import { SqliteBackend } from 'exptrack/sqlite';
import { backendConformanceCases } from 'exptrack/testing';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-conformance-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('memory backend', () => {
  for (const c of backendConformanceCases({ create: () => new MemoryBackend() })) it(c.name, c.run);
});

describe('sqlite backend (file)', () => {
  for (const c of backendConformanceCases({ create: () => new SqliteBackend({ path: join(dir, `store-${n++}.db`) }) })) it(c.name, c.run);
});

describe('sqlite backend (:memory:)', () => {
  for (const c of backendConformanceCases({ create: () => new SqliteBackend({ path: ':memory:' }) })) it(c.name, c.run);
});
