/**
 * `exptrack/eval`: benchmarks, the concurrent evaluation runner, model adapters and scorers.
 *
 * @module
 */
export * from '../eval/index.js';
