/**
 * Options of `HttpBackend`.
 *
 * @example
 * ```ts
 * const config: HttpBackendConfig = { url: 'https://track.example.com', token: process.env.EXPTRACK_TOKEN };
 * ```
 */
export interface HttpBackendConfig {
  /** The tracking server: `http://127.0.0.1:5050`, `https://track.example.com` (a path prefix is kept). */
  url: string;
  /** The bearer token (read-write to log, read-only is enough to read). */
  token?: string;
  /** The `fetch` to use. @defaultValue `globalThis.fetch` */
  fetch?: typeof globalThis.fetch;
  /** Most metric points in one request; a bigger batch is sent as several. @defaultValue 50,000 */
  maxPointsPerRequest?: number;
  /**
   * Most batches waiting for the server. A write beyond it fails (and the tracker reports it)
   * instead of growing memory without bound while the server is away. @defaultValue 10,000
   */
  maxQueuedBatches?: number;
  /** One request's time limit. @defaultValue 60,000 */
  requestTimeoutMs?: number;
  /** How long `flush` waits for the queue to drain before it reports the server unreachable. @defaultValue 30,000 */
  flushTimeoutMs?: number;
  /** How long `close` keeps delivering before it gives up on what is left. @defaultValue 30,000 */
  closeTimeoutMs?: number;
  /**
   * Node only: a directory where batches the server did not take yet are kept on disk, so that a
   * process that ends while the server is away leaves them for the next `HttpBackend` with the same
   * directory, which delivers them first (exactly once: they keep their batch identity).
   * @defaultValue none (batches wait in memory only)
   */
  ledgerDir?: string;
}
