import { describe, expect, it } from 'vitest';
import { matchesFilter } from '../../src/core/filter-match.js';
import { makeExperiment } from 'exptrack/testing';

const subject = {
  experiment: makeExperiment({ name: 'Été run', tags: { stage: 'sft' }, config: { opt: { name: 'adam' } } }),
  evaluations: new Map([['gsm8k', { accuracy: 0.7 }]]),
  lastMetrics: new Map([['loss', 0.1]]),
};

describe('matchesFilter', () => {
  it('sees only a record\'s own keys, never inherited ones such as constructor', () => {
    expect(matchesFilter({ kind: 'exists', field: { scope: 'tags', key: 'constructor' }, negated: false }, subject)).toBe(false);
    expect(matchesFilter({ kind: 'exists', field: { scope: 'metrics', benchmark: 'gsm8k', metric: 'toString' }, negated: false }, subject)).toBe(false);
    expect(matchesFilter({ kind: 'exists', field: { scope: 'params', path: 'opt.hasOwnProperty' }, negated: false }, subject)).toBe(false);
    expect(matchesFilter({ kind: 'exists', field: { scope: 'params', path: 'opt.name' }, negated: false }, subject)).toBe(true);
  });

  it('folds case in like for ASCII letters only, as SQLite does', () => {
    const like = (value: string) => matchesFilter({ kind: 'compare', field: { scope: 'attribute', name: 'name' }, op: 'like', value }, subject);
    expect(like('%RUN')).toBe(true);
    expect(like('été%')).toBe(false);
    expect(like('Été%')).toBe(true);
    expect(like('_té run')).toBe(true);
  });
});
