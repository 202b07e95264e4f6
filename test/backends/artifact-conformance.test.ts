import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { MemoryBackend } from 'exptrack/memory';
import { SqliteBackend } from 'exptrack/sqlite';
import { artifactConformanceCases } from 'exptrack/testing';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-artifact-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('memory backend: artifacts', () => {
  for (const c of artifactConformanceCases({ create: () => new MemoryBackend() })) it(c.name, c.run);
});

describe('sqlite backend (file): artifacts', () => {
  let n = 0;
  for (const c of artifactConformanceCases({ create: () => new SqliteBackend({ path: join(dir, `store-${n++}.db`) }) })) it(c.name, c.run);
});

describe('sqlite backend (:memory:): artifacts', () => {
  for (const c of artifactConformanceCases({ create: () => new SqliteBackend({ path: ':memory:' }) })) it(c.name, c.run);
});
