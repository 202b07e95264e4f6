/**
 * `exptrack/analysis`: leaderboards, comparisons, significance tests, the filter language and
 * JSON/CSV export, reading through the `ExperimentReader` API of any backend.
 * @module
 */
export * from '../analysis/index.js';
