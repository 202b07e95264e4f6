/**
 * `exptrack/http`: a backend that logs to and reads from an exptrack tracking server
 * (`exptrack server`) with `fetch` only, so it runs in Node 20+, Bun, Deno, browsers and edge
 * workers.
 * @module
 */
export { HttpBackend } from './http-backend.js';
export type { HttpBackendConfig } from './http-backend-config.js';
