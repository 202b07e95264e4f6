/**
 * The response cache of the runner: keys, the in-memory store, and choosing a store.
 */
import { createHash } from 'node:crypto';
import { ExptrackError } from '../core/errors.js';
import { hasResponseCache } from '../core/backend.js';
import { type Backend, type ResponseCacheStore } from 'exptrack';
import type { GenerateOptions, GenerateResult, Prompt } from './types.js';

/**
 * The key of one cached response: the sha256 (hex) of the model id, the prompt, the generation
 * options (max tokens, temperature, stop) and the attempt index, as canonical JSON.
 *
 * @param modelId - the model's id
 * @param prompt - the prompt sent
 * @param options - the generation options (the signal is ignored)
 * @param attempt - the repeat index, 0-based
 * @returns 64 hex characters
 * @example
 * ```ts
 * import { responseCacheKey } from 'exptrack/eval';
 * responseCacheKey('gpt-4o-mini', 'Question: 1+1?\nAnswer:', { maxTokens: 256, temperature: 0 }, 0).length; // 64
 * ```
 */
export function responseCacheKey(modelId: string, prompt: Prompt, options: GenerateOptions, attempt: number): string {
  const canonical = JSON.stringify({
    v: 1,
    model: modelId,
    prompt: typeof prompt === 'string' ? prompt : prompt.map((m) => ({ role: m.role, content: m.content })),
    options: {
      maxTokens: options.maxTokens ?? null,
      temperature: options.temperature ?? null,
      stop: options.stop ? [...options.stop] : null,
    },
    attempt,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * What is stored per key: the response and the latency it had.
 *
 * @example
 * ```ts
 * import type { CachedResponse } from 'exptrack/eval';
 * const c: CachedResponse = { text: '#### 18', latencyMs: 212 };
 * ```
 */
export interface CachedResponse extends GenerateResult {
  latencyMs: number;
}

/**
 * A {@link ResponseCacheStore} in process memory, holding at most `maxEntries` responses (the
 * oldest are dropped first).
 *
 * @example
 * ```ts
 * import { MemoryResponseCache } from 'exptrack/eval';
 * const cache = new MemoryResponseCache();
 * await cache.putCachedResponse('k', '{"text":"18"}');
 * await cache.getCachedResponse('k'); // '{"text":"18"}'
 * ```
 */
export class MemoryResponseCache implements ResponseCacheStore {
  private readonly entries = new Map<string, string>();

  /**
   * @param maxEntries - the capacity
   */
  constructor(private readonly maxEntries = 100_000) {}

  /** How many responses are held. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * @param key - the cache key
   * @returns the stored value, or undefined
   */
  async getCachedResponse(key: string): Promise<string | undefined> {
    return this.entries.get(key);
  }

  /**
   * @param key - the cache key
   * @param value - the value to store
   */
  async putCachedResponse(key: string, value: string): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear();
  }
}

const DEFAULT_CACHE = Symbol.for('exptrack.eval.defaultResponseCache');

/**
 * The process-wide in-memory cache `evaluate` uses when no store is given. It lives on
 * `globalThis` (created on first use), so the ESM and CJS builds share it.
 *
 * @returns the shared cache
 * @example
 * ```ts
 * import { defaultResponseCache } from 'exptrack/eval';
 * defaultResponseCache().clear();
 * ```
 */
export function defaultResponseCache(): MemoryResponseCache {
  const g = globalThis as Record<symbol, unknown>;
  let cache = g[DEFAULT_CACHE] as MemoryResponseCache | undefined;
  if (!cache) {
    cache = new MemoryResponseCache();
    g[DEFAULT_CACHE] = cache;
  }
  return cache;
}

/**
 * Where responses go: a store, a backend that can cache responses, `true` for the process-wide
 * memory cache, or `false` for none.
 *
 * @example
 * ```ts
 * import type { CacheOption } from 'exptrack/eval';
 * const none: CacheOption = false;
 * ```
 */
export type CacheOption = ResponseCacheStore | Backend | boolean;

/**
 * Picks the store for a cache option.
 *
 * @param option - what the user passed (undefined means `true`)
 * @returns the store, or undefined for no cache
 * @throws ExptrackError `unsupported` for a backend without a response cache
 * @example
 * ```ts
 * import { resolveResponseCache } from 'exptrack/eval';
 * resolveResponseCache(false); // undefined
 * ```
 */
export function resolveResponseCache(option: CacheOption | undefined): ResponseCacheStore | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === true) return defaultResponseCache();
  if (isBackend(option)) {
    if (hasResponseCache(option)) return option;
    throw new ExptrackError(`backend ${option.name} cannot cache model responses`, {
      code: 'unsupported',
      backend: option.name,
      field: 'cache',
    });
  }
  if (typeof option.getCachedResponse === 'function' && typeof option.putCachedResponse === 'function') return option;
  throw new ExptrackError('cache must be a ResponseCacheStore, a Backend, true or false', { code: 'invalid_input', field: 'cache', value: option });
}

function isBackend(value: object): value is Backend {
  const v = value as Partial<Backend>;
  return typeof v.write === 'function' && typeof v.capabilities === 'object' && v.capabilities !== null;
}

/**
 * Reads a cached response, treating unreadable entries as absent.
 *
 * @param store - the store
 * @param key - the key
 * @returns the cached response, or undefined
 * @example
 * ```ts
 * import { readCachedResponse, MemoryResponseCache } from 'exptrack/eval';
 * const store = new MemoryResponseCache();
 * await store.putCachedResponse('k', JSON.stringify({ text: '18', latencyMs: 5 }));
 * (await readCachedResponse(store, 'k'))?.text; // '18'
 * ```
 */
export async function readCachedResponse(store: ResponseCacheStore, key: string): Promise<CachedResponse | undefined> {
  const raw = await store.getCachedResponse(key);
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<CachedResponse>;
    if (typeof parsed.text !== 'string') return undefined;
    return {
      text: parsed.text,
      latencyMs: typeof parsed.latencyMs === 'number' ? parsed.latencyMs : 0,
      ...(parsed.usage ? { usage: parsed.usage } : {}),
      ...(typeof parsed.costUsd === 'number' ? { costUsd: parsed.costUsd } : {}),
    };
  } catch {
    return undefined;
  }
}
