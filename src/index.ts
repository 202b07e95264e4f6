/**
 * exptrack: embeddable ML experiment tracking. This entry holds the tracker facade, the shared
 * types, the error type and the backend contract; backends live in their own subpaths
 * (`exptrack/sqlite`, `exptrack/memory`, ...) and load only when imported.
 *
 * @packageDocumentation
 */
export * from './core/errors.js';
export * from './core/types.js';
export * from './core/backend.js';
export * from './core/artifacts.js';
export * from './core/filter.js';
export * from './core/group-catalog.js';
export { encodeWireJson, decodeWireJson } from './core/wire-json.js';
export * from './core/metric-goal.js';
export { wellFormedExperiment } from './core/well-formed-experiment.js';
export { EXPERIMENT_ID_PATTERN, validateExperimentId } from './core/experiment-id-grammar.js';
export { ExperimentTracker } from './tracker/experiment-tracker.js';
export type { TrackerOptions, StartOptions, FinishOptions, CheckpointOptions } from './tracker/tracker-options.js';
export type { ArtifactOptions } from './tracker/artifact-input.js';
export type { ImageOptions, TableOptions, HistogramOptions } from './tracker/media-input.js';
export type { TrackerErrorHandler, TrackerErrorContext, BackendReport } from './tracker/backend-fan-out.js';
export { COST_KEYS } from './core/cost-keys.js';
export type { SystemSampler, SystemSamplerRun, SystemUsage, SystemMetricsOptions, PricingOptions } from './tracker/system-metrics.js';
export { HEARTBEAT_INTERVAL_MS, STALE_AFTER_MS } from './core/lifecycle.js';
// Redaction needs no Node; git and environment capture live in `exptrack/capture`.
export { redactArgv, redactText, redactUrl } from './capture/redact-secrets.js';
export type { RedactionRules } from './capture/redact-secrets.js';
