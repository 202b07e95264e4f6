import { describe, expect, it } from 'vitest';
import { decodeWireJson, encodeWireJson } from 'exptrack';

describe('the server API JSON', () => {
  it('round-trips NaN and ±Infinity wherever they are, and data keys that look like markers', () => {
    const value = {
      values: [1, NaN, Infinity, -Infinity, -0.5],
      nested: { score: NaN, list: [{ x: -Infinity }] },
      config: { $nf: 'NaN', $$x: 1, $: 'dollar', plain: 'a "$ quote' },
      onlyMarkerLike: { $nf: 'Infinity' },
      nothing: null,
    };
    const text = encodeWireJson(value);
    expect(JSON.parse(text)).toBeTypeOf('object'); // plain JSON on the wire
    const back = decodeWireJson(text) as typeof value;
    expect(back.values).toEqual([1, NaN, Infinity, -Infinity, -0.5]);
    expect(back.nested.score).toBeNaN();
    expect(back.nested.list[0]!.x).toBe(-Infinity);
    expect(back.config).toEqual({ $nf: 'NaN', $$x: 1, $: 'dollar', plain: 'a "$ quote' });
    expect(back.onlyMarkerLike).toEqual({ $nf: 'Infinity' });
    expect(back.nothing).toBeNull();
  });

  it('writes plain JSON when there is nothing to mark', () => {
    const value = { keys: ['loss'], values: [0.5, 1e-300], tags: { a: 'b' } };
    expect(encodeWireJson(value)).toBe(JSON.stringify(value));
    expect(decodeWireJson(JSON.stringify(value))).toEqual(value);
  });

  it('refuses a malformed marker or an unescaped $ key', () => {
    expect(() => decodeWireJson('{"$nf":"NOPE"}')).toThrow(SyntaxError);
    expect(() => decodeWireJson('{"$x":1}')).toThrow(/travel as \$\$/);
  });
});
