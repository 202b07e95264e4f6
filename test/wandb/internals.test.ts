import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExptrackError } from 'exptrack';
import { wandbRunId } from 'exptrack/wandb';
import { netrcPassword, resolveApiKey, resolveBaseUrl } from '../../src/backends/wandb/credentials.js';
import { backoffDelay, retryPolicy, withRetry } from '../../src/backends/wandb/retry.js';
import { SummaryState, encodeHistoryLine, encodeWandbJson, exitCodeFor, wandbConfig, wandbTags } from '../../src/backends/wandb/run-mapping.js';
import { parseWandbJson } from './fake-wandb-server.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-wandb-units-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('credentials', () => {
  it('reads the password of the host from a netrc file, with comments and a default entry', () => {
    const file = join(dir, 'netrc');
    writeFileSync(file, '# comment\nmachine api.wandb.ai\n  login user\n  password abc123 # trailing\nmachine 127.0.0.1\n login user password local-key\ndefault login x password fallback\n');
    expect(netrcPassword('api.wandb.ai', file)).toBe('abc123');
    expect(netrcPassword('127.0.0.1', file)).toBe('local-key');
    expect(netrcPassword('other.example', file)).toBe('fallback');
    expect(netrcPassword('api.wandb.ai', join(dir, 'missing'))).toBeUndefined();
  });

  it('prefers the option, then WANDB_API_KEY, then netrc; strips a trailing slash from the base URL', () => {
    const saved = { key: process.env.WANDB_API_KEY, netrc: process.env.NETRC, url: process.env.WANDB_BASE_URL };
    try {
      process.env.NETRC = join(dir, 'netrc');
      process.env.WANDB_API_KEY = 'env-key';
      expect(resolveApiKey('option-key', 'https://api.wandb.ai')).toBe('option-key');
      expect(resolveApiKey(undefined, 'https://api.wandb.ai')).toBe('env-key');
      delete process.env.WANDB_API_KEY;
      expect(resolveApiKey(undefined, 'https://api.wandb.ai')).toBe('abc123');
      process.env.NETRC = join(dir, 'missing');
      expect(() => resolveApiKey(undefined, 'https://api.wandb.ai')).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'apiKey' }));
      process.env.WANDB_BASE_URL = 'http://wandb.local:8080/';
      expect(resolveBaseUrl(undefined)).toBe('http://wandb.local:8080');
      expect(resolveBaseUrl('https://x.example//')).toBe('https://x.example');
    } finally {
      for (const [name, value] of [['WANDB_API_KEY', saved.key], ['NETRC', saved.netrc], ['WANDB_BASE_URL', saved.url]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe('retry', () => {
  it('draws backoff with full jitter under an exponential bound, and honours Retry-After up to the cap', () => {
    const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1_000 });
    expect(backoffDelay(policy, 1, undefined, () => 0.999)).toBeCloseTo(99.9);
    expect(backoffDelay(policy, 3, undefined, () => 0.5)).toBe(200);
    expect(backoffDelay(policy, 10, undefined, () => 1)).toBe(1_000);
    expect(backoffDelay(policy, 1, undefined, () => 0)).toBe(0);
    expect(backoffDelay(policy, 1, 5_000, () => 0)).toBe(1_000);
    expect(backoffDelay(policy, 1, 300, () => 0)).toBe(300);
  });

  it('retries retryable errors a bounded number of times and never retries the others', async () => {
    const policy = retryPolicy({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 });
    let calls = 0;
    await expect(withRetry(policy, async () => {
      calls++;
      throw new ExptrackError('503', { code: 'unavailable' });
    })).rejects.toMatchObject({ code: 'unavailable' });
    expect(calls).toBe(3);
    calls = 0;
    await expect(withRetry(policy, async () => {
      calls++;
      throw new ExptrackError('401', { code: 'invalid_input' });
    })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(calls).toBe(1);
    calls = 0;
    expect(await withRetry(policy, async (n) => {
      calls++;
      if (n < 2) throw new ExptrackError('429', { code: 'rate_limited' });
      return 'ok';
    })).toBe('ok');
    expect(calls).toBe(2);
  });
});

describe('mapping', () => {
  it('writes NaN and ±Infinity as the bare tokens W&B parses, everything else as standard JSON', () => {
    const text = encodeWandbJson({ a: Number.NaN, b: Number.POSITIVE_INFINITY, c: Number.NEGATIVE_INFINITY, d: [1, Number.NaN], e: 'NaN', f: null, g: { h: 0.5 } });
    expect(text).toBe('{"a":NaN,"b":Infinity,"c":-Infinity,"d":[1,NaN],"e":"NaN","f":null,"g":{"h":0.5}}');
    const back = parseWandbJson(text) as Record<string, unknown>;
    expect(back.a).toBeNaN();
    expect(back.e).toBe('NaN');
  });

  it('history lines are deterministic: sorted keys after _step, _runtime and _timestamp', () => {
    const row = { step: 7, values: new Map([['z', 1], ['a', 2]]), timestamp: 5_500 };
    expect(encodeHistoryLine(row, 1_000)).toBe('{"_step":7,"_runtime":4.5,"_timestamp":5.5,"a":2,"z":1}');
  });

  it('run ids, tags, config and exit codes', () => {
    expect(wandbRunId('exp_20250123_143022_a1b2c3')).toBe('exp_20250123_143022_a1b2c3');
    expect(wandbRunId('my run/1')).toMatch(/^my-run-1-[0-9a-f]{8}$/);
    expect(wandbRunId('my run/1')).toBe(wandbRunId('my run/1'));
    expect(wandbRunId('my run/1')).not.toBe(wandbRunId('my run:1'));
    expect(wandbRunId('x'.repeat(100)).length).toBeLessThanOrEqual(64);
    expect(wandbTags({ b: '', a: 'x' })).toEqual(['a:x', 'b']);
    expect(JSON.parse(wandbConfig({ lr: 0.1, layers: [2] }))).toEqual({ lr: { value: 0.1, desc: null }, layers: { value: [2], desc: null } });
    expect(exitCodeFor('completed', {})).toBe(0);
    expect(exitCodeFor('failed', {})).toBe(1);
    expect(exitCodeFor('killed', { interrupted_by: 'SIGTERM' })).toBe(143);
    expect(exitCodeFor('killed', {})).toBe(130);
    expect(exitCodeFor('crashed', {})).toBeNull();
    expect(exitCodeFor('running', {})).toBeNull();
  });

  it('the summary keeps the value at the highest step whatever order points come in', () => {
    const a = new SummaryState('e');
    const b = new SummaryState('e');
    const points: Array<[string, number, number]> = [['loss', 1, 0.9], ['loss', 3, 0.3], ['loss', 3, 0.25], ['loss', 2, 0.5], ['acc', 0, 0.1]];
    for (const [k, s, v] of points) a.addPoint(k, s, v);
    // The store's order: by key, then step, then logging order.
    for (const [k, s, v] of [...points].sort((x, y) => x[0].localeCompare(y[0]) || x[1] - y[1])) b.addPoint(k, s, v);
    expect(a.encode()).toBe(b.encode());
    expect(JSON.parse(a.encode())).toMatchObject({ loss: 0.25, acc: 0.1 });
  });
});
