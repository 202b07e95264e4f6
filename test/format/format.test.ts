import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatEstimate, formatEstimateParts, formatNumber } from '../../src/format/index.js';
import { fmt, fmtDuration } from '../../src/ui/web/dom.js';

describe('one way to write numbers for people', () => {
  it('writes an estimate to the precision of its standard error (two significant digits)', () => {
    expect(formatEstimate(0.63, 0.02792)).toBe('0.630 ± 0.028');
    expect(formatEstimate(0.7125, 0.0032)).toBe('0.7125 ± 0.0032');
    expect(formatEstimate(12.345, 1.234)).toBe('12.3 ± 1.2');
    expect(formatEstimate(1234.5, 56)).toBe('1235 ± 56');
    expect(formatEstimateParts(0.63, null)).toEqual(['0.63', '-']);
    expect(formatEstimateParts(1, 0)).toEqual(['1', '0']);
    expect(formatEstimateParts(NaN, 0.1)).toEqual(['NaN', '0.1']);
    expect(formatEstimate(0.5, NaN)).toBe('0.5 ± NaN');
  });

  it('writes sizes, durations and plain numbers the same in the CLI and the dashboard', () => {
    expect(formatBytes(67)).toBe('67 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatDuration(185_000)).toBe('3m05s');
    expect(fmtDuration(185_000)).toBe(formatDuration(185_000));
    for (const x of [3e-4, 0.123456, 1200, NaN, Infinity, null]) expect(fmt(x)).toBe(formatNumber(x));
    expect(formatNumber(3e-4)).toBe('3.00e-4');
  });
});
