// MLflow's search grammar: parsing, MLflow's semantics (LIKE case-sensitive, ILIKE not, a missing
// key fails every comparison but IS NULL), order_by with missing values last, and the errors.
import { describe, expect, it } from 'vitest';
import { matchesFilter, parseSearchFilter, type EntityLookup } from '../../../src/server/mlflow/search-filter.js';
import { orderComparator, parseOrderBy } from '../../../src/server/mlflow/search-order.js';
import { MlflowError } from '../../../src/server/mlflow/mlflow-error.js';

const run = (values: Record<string, string | number>): EntityLookup => (type, key) => values[`${type}:${key}`];

describe('parseSearchFilter', () => {
  it('reads clauses joined by AND, with every entity spelling and quoting', () => {
    expect(parseSearchFilter("metrics.acc > 0.9 and params.lr = '0.01' AND tags.`my tag` LIKE 'a%' and attributes.status IN ('FINISHED', \"FAILED\")")).toEqual([
      { type: 'metric', key: 'acc', comparator: '>', value: 0.9 },
      { type: 'param', key: 'lr', comparator: '=', value: '0.01' },
      { type: 'tag', key: 'my tag', comparator: 'LIKE', value: 'a%' },
      { type: 'attribute', key: 'status', comparator: 'IN', value: ['FINISHED', 'FAILED'] },
    ]);
    expect(parseSearchFilter('tags."mlflow.runName" != \'x\' and run_name ILIKE \'%A%\' and params.seed IS NOT NULL and metric.loss <= -1e-3')).toEqual([
      { type: 'tag', key: 'mlflow.runName', comparator: '!=', value: 'x' },
      { type: 'attribute', key: 'run_name', comparator: 'ILIKE', value: '%A%' },
      { type: 'param', key: 'seed', comparator: 'IS NOT NULL', value: null },
      { type: 'metric', key: 'loss', comparator: '<=', value: -1e-3 },
    ]);
    expect(parseSearchFilter('  ')).toEqual([]);
    expect(parseSearchFilter(undefined)).toEqual([]);
  });

  it('refuses what does not read, naming the filter (400 INVALID_PARAMETER_VALUE)', () => {
    for (const bad of ["metrics.acc > 0.9 or params.lr = '1'", 'metrics.acc >', "params.lr = 'open", 'foo.bar = 1', "params.lr NOT LIKE 'a'"]) {
      let error: unknown;
      try {
        parseSearchFilter(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(MlflowError);
      expect((error as MlflowError).status).toBe(400);
      expect((error as MlflowError).code).toBe('INVALID_PARAMETER_VALUE');
    }
  });
});

describe('matchesFilter', () => {
  const r = run({ 'metric:acc': 0.95, 'param:lr': '0.01', 'tag:team': 'NLP', 'attribute:status': 'FINISHED' });
  it('compares metrics as numbers, params and tags as strings', () => {
    expect(matchesFilter(parseSearchFilter('metrics.acc > 0.9'), r)).toBe(true);
    expect(matchesFilter(parseSearchFilter('metrics.acc > 0.96'), r)).toBe(false);
    expect(matchesFilter(parseSearchFilter("params.lr = '0.01'"), r)).toBe(true);
    expect(matchesFilter(parseSearchFilter("params.lr = '0.010'"), r)).toBe(false);
  });
  it('LIKE is case-sensitive, ILIKE is not; % and _ are wildcards, other characters literal', () => {
    expect(matchesFilter(parseSearchFilter("tags.team LIKE 'nlp'"), r)).toBe(false);
    expect(matchesFilter(parseSearchFilter("tags.team ILIKE 'nlp'"), r)).toBe(true);
    expect(matchesFilter(parseSearchFilter("tags.team LIKE 'N_P'"), r)).toBe(true);
    expect(matchesFilter(parseSearchFilter("params.lr LIKE '0.0%'"), r)).toBe(true);
    expect(matchesFilter(parseSearchFilter("params.lr LIKE '0a01'"), r)).toBe(false);
  });
  it('a missing key fails every comparison, != included, and passes IS NULL', () => {
    expect(matchesFilter(parseSearchFilter("tags.missing != 'x'"), r)).toBe(false);
    expect(matchesFilter(parseSearchFilter('metrics.missing < 1'), r)).toBe(false);
    expect(matchesFilter(parseSearchFilter('tags.missing IS NULL'), r)).toBe(true);
    expect(matchesFilter(parseSearchFilter("attributes.status NOT IN ('FAILED')"), r)).toBe(true);
  });
});

describe('order_by', () => {
  it('sorts by the terms, missing values last in either direction, then by the fallback', () => {
    const runs = [
      { id: 'a', values: { 'metric:score': 2 } as Record<string, number> },
      { id: 'b', values: {} },
      { id: 'c', values: { 'metric:score': 3 } },
      { id: 'd', values: { 'metric:score': 2 } },
    ];
    type Row = (typeof runs)[number];
    const byId = (x: Row, y: Row) => (x.id < y.id ? -1 : 1);
    const order = (terms: string[]) => [...runs].sort(orderComparator(parseOrderBy(terms), (x) => run(x.values), byId)).map((x) => x.id);
    expect(order(['metrics.score DESC'])).toEqual(['c', 'a', 'd', 'b']);
    expect(order(['metrics.score'])).toEqual(['a', 'd', 'c', 'b']);
    expect(parseOrderBy(['attributes.start_time desc', 'params.`a b` ASC'])).toEqual([
      { type: 'attribute', key: 'start_time', ascending: false },
      { type: 'param', key: 'a b', ascending: true },
    ]);
  });
});
