/**
 * `exptrack/memory`: a backend that keeps everything in memory, for tests and disk-less runs.
 * @module
 */
export { MemoryBackend } from './memory-backend.js';
