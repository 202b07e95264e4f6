import { describe, expect, it } from 'vitest';
import { ExptrackError, type FilterExpression } from 'exptrack';
import { formatFilter, parseFilter, safeParseFilter, type FilterParseErrorDetails } from 'exptrack/analysis';
import { prng, randomFilter } from './filter-fixtures.js';

const lr = { scope: 'params', path: 'learning_rate' } as const;

function parseError(text: string): { error: ExptrackError; details: FilterParseErrorDetails } {
  try {
    parseFilter(text);
  } catch (error) {
    if (!ExptrackError.is(error)) throw error;
    expect(error.code).toBe('parse_error');
    expect(error.field).toBe('filter');
    return { error, details: error.value as FilterParseErrorDetails };
  }
  throw new Error(`expected ${JSON.stringify(text)} to fail`);
}

describe('parseFilter', () => {
  it('parses the example of the issue with and binding tighter than or', () => {
    expect(parseFilter('params.learning_rate < 1e-4 and tags.stage = "sft" or metrics.gsm8k.accuracy >= 0.7')).toEqual({
      kind: 'or',
      left: {
        kind: 'and',
        left: { kind: 'compare', field: lr, op: '<', value: 1e-4 },
        right: { kind: 'compare', field: { scope: 'tags', key: 'stage' }, op: '=', value: 'sft' },
      },
      right: { kind: 'compare', field: { scope: 'metrics', benchmark: 'gsm8k', metric: 'accuracy' }, op: '>=', value: 0.7 },
    });
  });

  it('reads parentheses, not, in, not in, exists and like', () => {
    expect(parseFilter("NOT (status = 'failed' OR status = 'killed')")).toEqual({
      kind: 'not',
      operand: {
        kind: 'or',
        left: { kind: 'compare', field: { scope: 'attribute', name: 'status' }, op: '=', value: 'failed' },
        right: { kind: 'compare', field: { scope: 'attribute', name: 'status' }, op: '=', value: 'killed' },
      },
    });
    expect(parseFilter('params.model in ("mlp", "cnn", null, 3, true)')).toEqual({
      kind: 'in', field: { scope: 'params', path: 'model' }, values: ['mlp', 'cnn', null, 3, true], negated: false,
    });
    expect(parseFilter('group not in ("a")')).toEqual({ kind: 'in', field: { scope: 'attribute', name: 'group' }, values: ['a'], negated: true });
    expect(parseFilter('tags.stage exists')).toEqual({ kind: 'exists', field: { scope: 'tags', key: 'stage' }, negated: false });
    expect(parseFilter('tags.stage not exists')).toEqual({ kind: 'exists', field: { scope: 'tags', key: 'stage' }, negated: true });
    expect(parseFilter('exists commit')).toEqual({ kind: 'exists', field: { scope: 'attribute', name: 'commit' }, negated: false });
    expect(parseFilter('not exists commit')).toEqual({ kind: 'exists', field: { scope: 'attribute', name: 'commit' }, negated: true });
    expect(parseFilter("name like 'sweep-%'")).toEqual({ kind: 'compare', field: { scope: 'attribute', name: 'name' }, op: 'like', value: 'sweep-%' });
    const notLike = parseFilter("name not like 'x%'");
    expect(notLike).toEqual({
      kind: 'and',
      left: { kind: 'exists', field: { scope: 'attribute', name: 'name' }, negated: false },
      right: { kind: 'not', operand: { kind: 'compare', field: { scope: 'attribute', name: 'name' }, op: 'like', value: 'x%' } },
    });
  });

  it('reads literals: numbers with exponents and signs, escapes, booleans and null', () => {
    const value = (text: string) => (parseFilter(`params.x = ${text}`) as Extract<FilterExpression, { kind: 'compare' }>).value;
    expect(value('1e-4')).toBe(1e-4);
    expect(value('-2.5E+3')).toBe(-2500);
    expect(value('.5')).toBe(0.5);
    expect(value('TRUE')).toBe(true);
    expect(value('false')).toBe(false);
    expect(value('null')).toBe(null);
    expect(value(String.raw`"a\"b\n\u00e9"`)).toBe('a"b\né');
    expect(value(String.raw`'it\'s'`)).toBe("it's");
    expect(value(String.raw`"100\%"`)).toBe('100\\%');
    expect(parseFilter('params.x>-1')).toEqual({ kind: 'compare', field: { scope: 'params', path: 'x' }, op: '>', value: -1 });
    expect(parseFilter('params.x == 1 and params.y <> 2')).toEqual({
      kind: 'and',
      left: { kind: 'compare', field: { scope: 'params', path: 'x' }, op: '=', value: 1 },
      right: { kind: 'compare', field: { scope: 'params', path: 'y' }, op: '!=', value: 2 },
    });
  });

  it('reads fields: nested params, training and evaluation metrics, quoted names, attributes', () => {
    const field = (text: string) => (parseFilter(`${text} exists`) as Extract<FilterExpression, { kind: 'exists' }>).field;
    expect(field('params.optimizer.betas.0')).toEqual({ scope: 'params', path: 'optimizer.betas.0' });
    expect(field('metrics.loss')).toEqual({ scope: 'metrics', benchmark: null, metric: 'loss' });
    expect(field('metrics.train/loss')).toEqual({ scope: 'metrics', benchmark: null, metric: 'train/loss' });
    expect(field('metrics.mmlu-pro.exact_match')).toEqual({ scope: 'metrics', benchmark: 'mmlu-pro', metric: 'exact_match' });
    expect(field('metrics.mmlu.5shot.acc')).toEqual({ scope: 'metrics', benchmark: 'mmlu', metric: '5shot.acc' });
    expect(field('metrics.`mmlu.pro`.accuracy')).toEqual({ scope: 'metrics', benchmark: 'mmlu.pro', metric: 'accuracy' });
    expect(field('tags.`team name`')).toEqual({ scope: 'tags', key: 'team name' });
    expect(field('attributes.created')).toEqual({ scope: 'attribute', name: 'created' });
    expect(field('git_commit')).toEqual({ scope: 'attribute', name: 'commit' });
  });

  it('reads summary keys, slashes included (summary.cost/usd < 5)', () => {
    expect(parseFilter('summary.cost/usd < 5')).toEqual({ kind: 'compare', field: { scope: 'summary', key: 'cost/usd' }, op: '<', value: 5 });
    expect(parseFilter('exists summary.compute/gpu_hours')).toEqual({ kind: 'exists', field: { scope: 'summary', key: 'compute/gpu_hours' }, negated: false });
    expect(formatFilter(parseFilter('summary.cost/usd < 5'))).toBe('summary.cost/usd < 5');
    expect(() => parseFilter('summary < 5')).toThrow(/summary key/);
  });

  it('turns an ISO date compared with created into milliseconds (UTC without a zone)', () => {
    expect(parseFilter('created >= "2026-01-01"')).toEqual({ kind: 'compare', field: { scope: 'attribute', name: 'created' }, op: '>=', value: Date.UTC(2026, 0, 1) });
    expect(parseFilter("created < '2026-01-01T12:30:00Z'")).toMatchObject({ value: Date.UTC(2026, 0, 1, 12, 30) });
    expect(parseFilter("created < '2026-01-01T12:30:00+02:00'")).toMatchObject({ value: Date.UTC(2026, 0, 1, 10, 30) });
    expect(parseFilter("created < '2026-01-01 12:30'")).toMatchObject({ value: Date.UTC(2026, 0, 1, 12, 30) });
    expect(parseFilter('created in ("2026-01-01", 5)')).toMatchObject({ values: [Date.UTC(2026, 0, 1), 5] });
    expect(parseError('created > "last week"').details.column).toBe(11);
  });

  it('points at the column of the offending token', () => {
    const cases: [string, number, string][] = [
      ['params.lr <', 12, ''],
      ['params.lr < and x', 13, 'and'],
      ['params.lr ~ 3', 11, '~'],
      ['foo = 1', 1, 'foo'],
      ['bar.baz = 1', 1, 'bar'],
      ['(status = "x"', 14, ''],
      ['status = "x")', 13, ')'],
      ['status = "x" tags.a = 1', 14, 'tags'],
      ['name like 3', 11, '3'],
      ['params.x in (1, 2', 18, ''],
      ['params.x in 1', 13, '1'],
      ['params.x = "open', 12, '"open'],
      ['params.x = 12abc', 12, '12abc'],
      ['params.x = 1e999', 12, '1e999'],
      ['params = 1', 8, '='],
      ['', 1, ''],
      ['   ', 4, ''],
      ['()', 2, ')'],
      ['status not like', 16, ''],
      ['status not between 1', 12, 'between'],
      ['and = 1', 1, 'and'],
    ];
    for (const [text, column, token] of cases) {
      const { error, details } = parseError(text);
      expect({ text, column: details.column, token: details.token }).toEqual({ text, column, token });
      expect(details.input).toBe(text);
      expect(error.message).toContain(`column ${column}`);
      // The message shows the text and a caret under the column.
      const lines = error.message.split('\n');
      expect(lines[1]).toBe(`  ${text}`);
      expect(lines[2]).toBe(`  ${' '.repeat(column - 1)}^`);
    }
  });

  it('safeParseFilter returns the error instead of throwing', () => {
    const bad = safeParseFilter('params.x <');
    expect(bad.success).toBe(false);
    if (!bad.success) expect(bad.error.code).toBe('parse_error');
    expect(safeParseFilter('id = "a"')).toEqual({ success: true, filter: parseFilter('id = "a"') });
  });

  it('formatFilter writes text that parses back into the same tree (2,000 generated trees)', () => {
    const random = prng(5);
    let checked = 0;
    for (let i = 0; i < 2000; i++) {
      const tree = randomFilter(random, 4, false);
      // `created` with a string is read as a date and `like` needs a string: such trees have no text form.
      if (comparesCreatedWithText(tree)) continue;
      const text = formatFilter(tree);
      expect(parseFilter(text), text).toEqual(tree);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(1500);
    expect(formatFilter(parseFilter('tags.stage="sft" AND (params.lr<1e-4 OR status = "failed")'))).toBe('tags.stage = "sft" and (params.lr < 0.0001 or status = "failed")');
    expect(() => formatFilter({ kind: 'compare', field: lr, op: '=', value: NaN })).toThrow(ExptrackError);
  });
});

function comparesCreatedWithText(tree: FilterExpression): boolean {
  switch (tree.kind) {
    case 'and':
    case 'or':
      return comparesCreatedWithText(tree.left) || comparesCreatedWithText(tree.right);
    case 'not':
      return comparesCreatedWithText(tree.operand);
    case 'exists':
      return false;
    case 'in':
      return tree.field.scope === 'attribute' && tree.field.name === 'created' && tree.values.some((v) => typeof v === 'string');
    case 'compare':
      // `like` with a number is a valid tree (always false) that the parser refuses to read.
      if (tree.op === 'like' && typeof tree.value !== 'string') return true;
      return tree.field.scope === 'attribute' && tree.field.name === 'created' && typeof tree.value === 'string';
  }
}
