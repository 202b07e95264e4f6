import { describe, expect, it } from 'vitest';
import { exportAllMetricsCsv, exportMetricsCsv } from 'exptrack/analysis';
import { memoryStore, started, errorOf } from './store-fixtures.js';

// Three runs, oldest first: a has loss and lr, b has loss and an awkward key, c has no points.
const store = memoryStore([
  started('a', { learning_rate: 1e-3 }),
  { type: 'metrics', experimentId: 'a', points: { keys: ['loss', 'lr', 'loss', 'loss'], steps: [0, 0, 1, 1], values: [2.5, 0.001, NaN, -Infinity], timestamps: [10, 10, 20, 21], rank: 0 } },
  started('b', { learning_rate: 1e-4 }),
  { type: 'metrics', experimentId: 'b', points: { keys: ['loss', 'acc, "top-1"\n'], steps: [5, 5], values: [1.5, 0.75], timestamps: [30, 30], rank: 1 } },
  started('c', { learning_rate: 1e-5 }),
]);

describe('exportAllMetricsCsv', () => {
  it('long: every point of every run, experiment_id first, oldest run first, awkward keys quoted', async () => {
    expect(await exportAllMetricsCsv(await store)).toBe(
      'experiment_id,key,step,value,timestamp,rank\r\n' +
        'a,loss,0,2.5,10,0\r\na,loss,1,NaN,20,0\r\na,loss,1,-Infinity,21,0\r\na,lr,0,0.001,10,0\r\n' +
        'b,"acc, ""top-1""\n",5,0.75,30,1\r\nb,loss,5,1.5,30,1\r\n',
    );
  });

  it('each run\'s rows are what exportMetricsCsv writes for it alone', async () => {
    const all = await exportAllMetricsCsv(await store, { layout: 'long' });
    const alone = await exportMetricsCsv(await store, 'a');
    const aRows = alone.split('\r\n').slice(1, -1).map((row) => `a,${row}`);
    expect(all.split('\r\n').slice(1, 1 + aRows.length)).toEqual(aRows);
  });

  it('wide: a row per step of each run, a column for every key any run logged, empty where a run has none', async () => {
    expect(await exportAllMetricsCsv(await store, { layout: 'wide' })).toBe(
      'experiment_id,step,loss,lr,"acc, ""top-1""\n"\r\n' + 'a,0,2.5,0.001,\r\na,1,-Infinity,,\r\n' + 'b,5,1.5,,0.75\r\n',
    );
  });

  it('keys and filter narrow the export; nothing selected is the header alone', async () => {
    expect(await exportAllMetricsCsv(await store, { keys: ['lr'], layout: 'wide' })).toBe('experiment_id,step,lr\r\na,0,0.001\r\n');
    expect(await exportAllMetricsCsv(await store, { filter: 'params.learning_rate < 5e-4' })).toBe(
      'experiment_id,key,step,value,timestamp,rank\r\nb,"acc, ""top-1""\n",5,0.75,30,1\r\nb,loss,5,1.5,30,1\r\n',
    );
    expect(await exportAllMetricsCsv(await store, { filter: 'params.learning_rate > 1' })).toBe('experiment_id,key,step,value,timestamp,rank\r\n');
  });

  it('a bad layout, a malformed filter or a store that cannot be read is a typed error', async () => {
    expect((await errorOf(exportAllMetricsCsv(await store, { layout: 'tall' as 'long' }))).field).toBe('layout');
    expect((await errorOf(exportAllMetricsCsv(await store, { filter: 'params.x <<< 1' }))).code).toBe('parse_error');
    expect((await errorOf(exportAllMetricsCsv({} as never))).field).toBe('store');
  });
});
