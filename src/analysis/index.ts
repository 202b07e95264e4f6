/**
 * `exptrack/analysis`: free functions that read any backend through its `ExperimentReader` API:
 * the filter language (`parseFilter`), leaderboards, comparisons, significance tests between two
 * runs, JSON export and import, CSV export, and the statistics they rest on.
 * @module
 */
export { parseFilter } from './filter/parse-filter.js';
export { safeParseFilter, type SafeParseFilterResult } from './filter/safe-parse-filter.js';
export { formatFilter } from './filter/format-filter.js';
export type { FilterParseErrorDetails } from './filter/tokenize-filter.js';
