import { describe, expect, it } from 'vitest';
import { MemoryBackend } from 'exptrack/memory';
import { SqliteBackend } from 'exptrack/sqlite';
import { exportAll, importExperiments } from 'exptrack/analysis';
import { HOSTILE_EXPORTS, wellFormedExport } from '../fixtures/hostile/hostile-export.js';
import { errorOf } from './store-fixtures.js';

describe('importExperiments treats an export as untrusted', () => {
  it('imports the well-formed fixture (the attacks below differ from it in one field)', async () => {
    const target = new MemoryBackend();
    expect((await importExperiments(target, wellFormedExport())).imported).toEqual(['exp_20260101_000000_abcdef']);
  });

  for (const attack of HOSTILE_EXPORTS) {
    it(`refuses ${attack.name}, naming ${attack.path}, and writes nothing`, async () => {
      const dump = wellFormedExport();
      // A good run first: a refusal of the second must not leave the first written.
      const good = wellFormedExport().experiments[0]!;
      good.experiment.id = 'exp_good';
      const entry = dump.experiments[0]!;
      attack.mutate(entry.experiment, entry as Record<string, any>);
      dump.experiments.unshift(good);
      const target = new MemoryBackend();
      const error = await errorOf(importExperiments(target, dump));
      expect(error.code).toBe('invalid_input');
      expect(error.field?.replace('json.experiments[1]', 'json.experiments[0]').startsWith(attack.path)).toBe(true);
      expect(await target.getAllExperiments()).toEqual([]);
    });
  }

  it.each(['memory', 'sqlite'])('keeps a __proto__ tag key, a __proto__ evaluation-metric key and a __proto__ config key faithfully (%s)', async (kind) => {
    const dump = JSON.parse(JSON.stringify(wellFormedExport()).replace('"stage":"sft"', '"__proto__":"x","stage":"sft"').replace('"accuracy":0.5', '"__proto__":0.25,"accuracy":0.5').replace('"learning_rate":0.001', '"__proto__":{"polluted":true},"learning_rate":0.001'));
    const target = kind === 'memory' ? new MemoryBackend() : new SqliteBackend({ path: ':memory:' });
    await target.init();
    await importExperiments(target, dump);
    const back = await exportAll(target);
    const run = back.experiments[0]!;
    expect(Object.keys(run.experiment.tags as object)).toEqual(['__proto__', 'stage']);
    expect(Object.getOwnPropertyDescriptor(run.experiment.tags, '__proto__')?.value).toBe('x');
    expect(Object.getOwnPropertyDescriptor(run.evaluations[0]!.metrics, '__proto__')?.value).toBe(0.25);
    expect(Object.getOwnPropertyDescriptor(run.experiment.config, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
