/**
 * `exptrack/testing`: the backend conformance suite and fixtures, for tests of exptrack's own
 * backends and of yours.
 * @module
 */
export { backendConformanceCases } from './backend-conformance.js';
export type { ConformanceBackend, ConformanceCase, ConformanceOptions } from './backend-conformance.js';
export { makeExperiment, metricColumns } from './fixtures.js';
export { createTestTracker } from './test-tracker.js';
export type { TestTracker } from './test-tracker.js';
export { artifactConformanceCases } from './artifact-cases.js';
export type { ArtifactConformanceBackend, ArtifactConformanceOptions } from './artifact-cases.js';
