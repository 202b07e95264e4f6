// The server's router: `:name` captures one segment, a last `*name` the rest of the path (one
// segment or more, each percent-decoded), and a path with other methods only is a 405.
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/server/http.js';
import { Router, type Route } from '../../src/server/router.js';

const route = (method: Route['method'], path: string): Route => ({ method, path, access: 'read', handle: async () => ({ status: 200, body: path }) });

describe('Router', () => {
  const router = new Router().mount('/api', [route('GET', '/runs/:id'), route('GET', '/files'), route('GET', '/files/*path'), route('PUT', '/files/*path')]);

  it('captures one segment with :name and the rest with *name', () => {
    expect(router.match('GET', '/api/runs/r%201')?.params).toEqual({ id: 'r 1' });
    expect(router.match('GET', '/api/files/0/run/artifacts/a%2Fb/c.txt')?.params).toEqual({ path: '0/run/artifacts/a/b/c.txt' });
    expect(router.match('PUT', '/api/files/x')?.route.method).toBe('PUT');
    expect(router.match('GET', '/api/files')?.route.path).toBe('/files');
    expect(router.match('GET', '/api/runs/a/b')).toBeUndefined();
  });

  it('answers 405 for a known path with another method', () => {
    expect(() => router.match('DELETE', '/api/files/x')).toThrow(HttpError);
  });
});
