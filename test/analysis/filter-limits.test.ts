import { describe, expect, it } from 'vitest';
import type { Backend, ExperimentReader, TrackerEvent } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { SqliteBackend } from 'exptrack/sqlite';
import { parseFilter } from 'exptrack/analysis';
import { started } from './store-fixtures.js';

const events: TrackerEvent[] = [
  started('exp_1', { 'data.v2': { size: 3 }, data: { v2: { size: 9 } }, lr: 0.5 }, { tags: { 'team.name': 'red' } }),
  started('exp_2', { 'data.v2': { size: 4 }, lr: 1 }),
  started('exp_3', { lr: 2 }),
];

const stores: Record<string, () => Backend & ExperimentReader> = {
  memory: () => new MemoryBackend(),
  sqlite: () => new SqliteBackend({ path: ':memory:' }),
};

describe.each(Object.keys(stores))('filters at their limits (%s)', (kind) => {
  const open = async () => {
    const store = stores[kind]!();
    await store.init();
    await store.write(events);
    return store;
  };
  const ids = async (store: ExperimentReader, filter: string) => (await store.getAllExperiments({ where: parseFilter(filter) })).map((e) => e.id).sort();

  it('an id in a list of 5,000 values (an OR per value overflowed SQLite\'s expression tree)', async () => {
    const store = await open();
    const many = Array.from({ length: 5_000 }, (_, i) => `"exp_x${i}"`);
    expect(await ids(store, `id in (${[...many, '"exp_2"', '"exp_3"'].join(', ')})`)).toEqual(['exp_2', 'exp_3']);
    expect(await ids(store, `id not in (${[...many, '"exp_2"'].join(', ')})`)).toEqual(['exp_1', 'exp_3']);
    const numbers = Array.from({ length: 3_000 }, (_, i) => String(i + 10));
    expect(await ids(store, `params.lr in (${[...numbers, '0.5', '2', 'true', 'null', '"1"'].join(', ')})`)).toEqual(['exp_1', 'exp_3']);
    await store.close();
  });

  it('a backticked config key holding a dot matches that key, as the docs say', async () => {
    const store = await open();
    expect(await ids(store, 'params.`data.v2`.size = 3')).toEqual(['exp_1']);
    expect(await ids(store, 'params.`data.v2`.size exists')).toEqual(['exp_1', 'exp_2']);
    expect(await ids(store, 'params.data.v2.size = 9')).toEqual(['exp_1']);
    expect(await ids(store, 'tags.`team.name` = "red"')).toEqual(['exp_1']);
    await store.close();
  });
});
