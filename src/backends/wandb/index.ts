/**
 * `exptrack/wandb`: Weights & Biases as a write-only backend, spoken over W&B's public HTTP protocol
 * with the built-in fetch (GraphQL `UpsertBucket`, `file_stream`, `complete`; artifacts as W&B
 * Artifacts through `CreateArtifact` … `CommitArtifact` and `UseArtifact`), and a sync that replays
 * experiments from the local store to W&B idempotently. See docs/WANDB.md.
 * @module
 */
export { WandbBackend } from './wandb-backend.js';
export type { WandbRunDelivery } from './wandb-backend.js';
export type { WandbBackendConfig, WandbRetryOptions } from './wandb-backend-config.js';
export { syncExperimentsToWandb } from './sync.js';
export type { WandbSyncOptions, WandbSyncReport, WandbSyncedExperiment } from './sync.js';
export { wandbRunId } from './run-mapping.js';
