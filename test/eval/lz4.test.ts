import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeLz4Block, decodeLz4HadoopPage } from '../../src/eval/data/lz4.js';

// Pages compressed by the reference LZ4 library (scripts/parquet-fixtures/make_lz4_goldens.py).
const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/lz4-pages-golden.json'), 'utf8')) as {
  cases: Array<{ name: string; codec: 'raw' | 'hadoop'; compressed: string; decoded: string }>;
};
const bytes = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));

describe('LZ4 pages (Parquet LZ4_RAW and the deprecated Hadoop-framed LZ4)', () => {
  for (const page of golden.cases) {
    it(`decodes ${page.name} as the reference library encoded it`, () => {
      const expected = bytes(page.decoded);
      const input = bytes(page.compressed);
      if (page.codec === 'raw') {
        expect(decodeLz4Block(input, expected.length)).toEqual(expected);
        // The deprecated codec falls back to one block when the page is not Hadoop-framed, as Arrow does.
        expect(decodeLz4HadoopPage(input, expected.length)).toEqual(expected);
      } else {
        expect(decodeLz4HadoopPage(input, expected.length)).toEqual(expected);
      }
    });
  }

  const text = golden.cases.find((c) => c.name === 'text (default)')!;
  const input = bytes(text.compressed);
  const size = bytes(text.decoded).length;

  it('refuses a page that decodes to another size than it declares', () => {
    expect(() => decodeLz4Block(input, size - 1)).toThrow(/past the (block or the )?page|not the/);
    expect(() => decodeLz4Block(input, size + 1)).toThrow(/decodes to \d+ bytes, not the \d+/);
    // A forged header is refused before its size is allocated.
    expect(() => decodeLz4Block(input, 2 ** 31)).toThrow(/cannot decode to the 2147483648 bytes/);
    expect(() => decodeLz4HadoopPage(input, 2 ** 31)).toThrow(/cannot decode to the 2147483648 bytes/);
  });

  it('refuses a cut-short page and a match pointing before the output, never reading or writing out of bounds', () => {
    expect(() => decodeLz4Block(input.subarray(0, input.length - 7), size)).toThrow(/LZ4/);
    // A literal of one byte, then a match 9 bytes back: before the start.
    expect(() => decodeLz4Block(new Uint8Array([0x10, 0x61, 0x09, 0x00]), 10)).toThrow(/offset 9 points before/);
    expect(() => decodeLz4Block(new Uint8Array([0x10, 0x61, 0x00, 0x00]), 10)).toThrow(/offset 0/);
    // A literal run longer than the bytes left.
    expect(() => decodeLz4Block(new Uint8Array([0xf0, 0xff]), 500)).toThrow(/ends inside a length|run past/);
  });
});
