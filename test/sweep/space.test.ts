import { describe, expect, expectTypeOf, it } from 'vitest';
import { ExptrackError } from 'exptrack';
import { Sweep, choice, intRange, logUniform, searchSpaceFromJson, searchSpaceToJson, uniform, type ParamsOf } from 'exptrack/sweep';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return ExptrackError.is(e) ? e.code : 'not-exptrack';
  }
  return undefined;
}

describe('search space constructors', () => {
  it('build frozen dimensions with their settings', () => {
    expect(uniform(0, 1)).toEqual({ kind: 'float', low: 0, high: 1, log: false, step: null, values: null });
    expect(logUniform(1e-5, 1e-1)).toMatchObject({ kind: 'float', log: true });
    expect(intRange(2, 10, { step: 2 })).toMatchObject({ kind: 'int', low: 2, high: 10, step: 2, log: false });
    expect(choice(['a', 1, true, null]).choices).toEqual(['a', 1, true, null]);
    expect(Object.isFrozen(uniform(0, 1))).toBe(true);
  });

  it('reject bad bounds, steps and choices with invalid_input', () => {
    expect(codeOf(() => uniform(1, 1))).toBe('invalid_input');
    expect(codeOf(() => uniform(0, Infinity))).toBe('invalid_input');
    expect(codeOf(() => uniform(0, 1, { step: 0.3 }))).toBe('invalid_input');
    expect(codeOf(() => logUniform(0, 1))).toBe('invalid_input');
    expect(codeOf(() => intRange(0.5, 3))).toBe('invalid_input');
    expect(codeOf(() => intRange(0, 9, { step: 2 }))).toBe('invalid_input');
    expect(codeOf(() => intRange(0, 10, { log: true }))).toBe('invalid_input');
    expect(codeOf(() => intRange(1, 9, { log: true, step: 2 }))).toBe('invalid_input');
    expect(codeOf(() => choice([]))).toBe('invalid_input');
    expect(codeOf(() => choice(['a', 'a']))).toBe('invalid_input');
    expect(codeOf(() => choice([{}] as never))).toBe('invalid_input');
    expect(codeOf(() => uniform(0, 1, { values: [2] }))).toBe('invalid_input');
  });

  it('names the field at fault', () => {
    try {
      intRange(0, 9, { step: 2 });
      expect.unreachable();
    } catch (e) {
      expect(ExptrackError.is(e) && e.field).toBe('intRange.step');
    }
  });

  it('types params from the space', () => {
    const space = { lr: logUniform(1e-4, 1), act: choice(['relu', 'tanh'] as const), n: intRange(1, 4) };
    expectTypeOf<ParamsOf<typeof space>>().toEqualTypeOf<{ lr: number; act: 'relu' | 'tanh'; n: number }>();
    const sweep = new Sweep({ space, direction: 'minimize', seed: 1 });
    const trial = sweep.ask();
    expectTypeOf(trial.params.act).toEqualTypeOf<'relu' | 'tanh'>();
    expect(['relu', 'tanh']).toContain(trial.params.act);
  });

  it('rejects an empty space and a non-dimension', () => {
    expect(codeOf(() => new Sweep({ space: {}, direction: 'minimize' }))).toBe('invalid_input');
    expect(codeOf(() => new Sweep({ space: { x: { kind: 'bogus' } as never }, direction: 'minimize' }))).toBe('invalid_input');
  });

  it('enqueue checks every value against its dimension', () => {
    const sweep = new Sweep({ space: { x: uniform(0, 1), n: intRange(0, 10, { step: 5 }), c: choice(['a', 'b']) }, direction: 'minimize' });
    expect(codeOf(() => sweep.enqueue({ x: 2, n: 5, c: 'a' }))).toBe('invalid_input');
    expect(codeOf(() => sweep.enqueue({ x: 0.5, n: 3, c: 'a' }))).toBe('invalid_input');
    expect(codeOf(() => sweep.enqueue({ x: 0.5, n: 5, c: 'z' as 'a' }))).toBe('invalid_input');
    sweep.enqueue({ x: 0.5, n: 10, c: 'b' });
    expect(sweep.ask().params).toEqual({ x: 0.5, n: 10, c: 'b' });
  });

  it('round-trips through JSON and reads hand-written configs', () => {
    const space = { lr: logUniform(1e-4, 1e-1), n: intRange(2, 10, { step: 2 }), d: uniform(0, 1, { values: [0, 0.5] }), c: choice(['a', null]) };
    const json = JSON.parse(JSON.stringify(searchSpaceToJson(space)));
    expect(searchSpaceFromJson(json)).toEqual({ c: space.c, d: space.d, lr: space.lr, n: space.n });
    const fromConfig = searchSpaceFromJson({ layers: { kind: 'int', low: 1, high: 4 }, lr: { kind: 'float', low: 1e-3, high: 1, log: true } });
    expect(fromConfig['layers']).toEqual(intRange(1, 4));
    expect(fromConfig['lr']).toEqual(logUniform(1e-3, 1));
    expect(codeOf(() => searchSpaceFromJson({ x: { kind: 'int', low: 3, high: 1 } }))).toBe('invalid_input');
    expect(codeOf(() => searchSpaceFromJson([]))).toBe('invalid_input');
  });
});
