/**
 * `exptrack/analysis`: free functions that read any backend through its `ExperimentReader` API:
 * the filter language (`parseFilter`), leaderboards, comparisons, significance tests between two
 * runs, JSON export and import, CSV export, and the statistics they rest on.
 * @module
 */
export * from './stats/index.js';

export { parseFilter } from './filter/parse-filter.js';
export { safeParseFilter, type SafeParseFilterResult } from './filter/safe-parse-filter.js';
export { formatFilter } from './filter/format-filter.js';
export { ARCHIVED_TAG, withoutArchived } from './filter/archived.js';
export type { FilterParseErrorDetails } from './filter/tokenize-filter.js';

export {
  leaderboard,
  type GroupLeaderboard,
  type LeaderboardGroupRow,
  type LeaderboardInfo,
  type LeaderboardOptions,
  type LeaderboardResult,
  type LeaderboardRow,
  type RunLeaderboard,
} from './leaderboard/leaderboard.js';
export type { UncertaintySource } from './internal/run-score.js';
export { costOf, sumCosts, tokensOf, type RunCost } from './cost/cost-of-run.js';
export { paretoFront } from './cost/pareto-front.js';
export {
  compareExperiments,
  type ComparedExperiment,
  type CompareOptions,
  type ComparisonResult,
  type ConfigDifference,
  type MetricComparison,
  type MetricDelta,
} from './compare/compare-experiments.js';
export { significance, type SignificanceMethod, type SignificanceOptions, type SignificanceResult } from './significance/significance.js';

export { exportExperiment } from './export/export-experiment.js';
export { exportAll, type ExportAllOptions } from './export/export-all.js';
export { importExperiments, type ImportOptions, type ImportResult } from './export/import-experiments.js';
export { exportArtifactBlobs, ExportBlobCopier, type ExportedBlobs } from './export/artifact-blobs.js';
export { exportLines, type ExportLinesOptions } from './export/export-lines.js';
export { EXPORT_LINES_SCHEMA_VERSION, MAX_EXPORT_LINE_BYTES, type ExportLine } from './export/export-lines-format.js';
export { importExportLines, importExportFile, type ImportLinesOptions, type ImportProgress } from './export/import-export-lines.js';
export { validateExportedExperiment, MAX_EXPORT_DEPTH, MAX_EXPORT_STRING, EXPORT_TIME_RANGE } from './export/validate-export.js';
export {
  EXPORT_SCHEMA_VERSION,
  type ExportedArtifact,
  type ExportedCheckpoint,
  type ExportedEvaluation,
  type ExportedExperiment,
  type ExportedJson,
  type ExportedMetricPoint,
  type ExportedNumber,
  type ExportedSample,
  type ExptrackExport,
} from './export/export-format.js';
export { exportMetricsCsv, type MetricsCsvOptions } from './csv/export-metrics-csv.js';
export { exportAllMetricsCsv, type AllMetricsCsvOptions } from './csv/export-all-metrics-csv.js';
export { leaderboardToCsv } from './csv/leaderboard-to-csv.js';
export { durationFrom, experimentDuration, type DurationTerms } from '../core/experiment-order.js';
