import type { ExperimentReader } from '../../core/backend.js';
import { ExptrackError } from '../../core/errors.js';
import { resolveApiKey, resolveBaseUrl } from './credentials.js';
import { artifactKey, committedArtifactId, emptyLedger, ledgerHost, ledgerPath, readLedger, resolveLedgerDir, useKey, writeLedger, type LedgerState } from './ledger.js';
import { retryPolicy } from './retry.js';
import {
  SummaryState,
  addToRow,
  encodeHistoryLine,
  evalHistoryKey,
  exitCodeFor,
  fingerprint,
  metricHistoryKey,
  upsertVariables,
  wandbRunId,
  type HistoryRow,
} from './run-mapping.js';
import type { WandbBackendConfig } from './wandb-backend-config.js';
import { keepsArtifacts, sendStoredArtifact, type StoredArtifacts } from './stored-artifact.js';
import { WandbClient } from './wandb-client.js';

/**
 * Options of {@link syncExperimentsToWandb}.
 *
 * @example
 * ```ts
 * import { SqliteBackend } from 'exptrack/sqlite';
 * import { syncExperimentsToWandb, type WandbSyncOptions } from 'exptrack/wandb';
 * const store = new SqliteBackend({ path: 'runs.db' });
 * await store.init();
 * const options: WandbSyncOptions = { store, project: 'llm-sft', entity: 'my-team' };
 * const report = await syncExperimentsToWandb(options);
 * ```
 */
export interface WandbSyncOptions extends Pick<WandbBackendConfig, 'project' | 'entity' | 'baseUrl' | 'apiKey' | 'jobType' | 'ledgerDir' | 'retry'> {
  /**
   * The local store, the source of truth. When it keeps artifacts (SQLite, Postgres, memory), the
   * artifact versions and artifact uses W&B lacks are sent too, as W&B Artifacts.
   */
  store: ExperimentReader;
  /** The experiments to sync. @defaultValue every experiment in the store, oldest first */
  ids?: readonly string[];
  /** A single HTTP request is aborted after this long. @defaultValue 30000 */
  requestTimeoutMs?: number;
  /** History rows sent in one file_stream request at most. @defaultValue 1000 */
  maxRowsPerRequest?: number;
  /** Stops the sync between requests. */
  signal?: AbortSignal;
}

/**
 * What one experiment's sync did.
 *
 * @example
 * ```ts
 * import { syncExperimentsToWandb, type WandbSyncedExperiment } from 'exptrack/wandb';
 * const { experiments } = await syncExperimentsToWandb({ store, project: 'p' });
 * const sent: WandbSyncedExperiment[] = experiments.filter((e) => !e.upToDate);
 * ```
 */
export interface WandbSyncedExperiment {
  /** The exptrack experiment. */
  experimentId: string;
  /** Its W&B run id (see `wandbRunId`). */
  runId: string;
  /** The W&B entity written to. */
  entity: string;
  /** The W&B project written to. */
  project: string;
  /** History rows sent (rows W&B already had, by the ledger, are not sent again). */
  rowsSent: number;
  /** History rows the experiment has in all. */
  rowsTotal: number;
  /** Whether the run's fields (config, tags, notes, ...) were sent. */
  upserted: boolean;
  /** Whether the summary was sent (it had changed, or W&B lacked the run). */
  summarySent: boolean;
  /** Whether `complete` was sent with the exit code. */
  completed: boolean;
  /** Artifact versions sent as W&B Artifacts (versions the ledger shows W&B committed are not sent again). */
  artifactsSent: number;
  /** Artifact uses sent (`UseArtifact`, W&B's lineage). */
  artifactUsesSent: number;
  /**
   * Artifact uses not sent because W&B is not known to have the version used: its run was not
   * synced to this project (sync it, then sync this run again).
   */
  artifactUsesUnresolved: number;
  /** Nothing was missing on W&B. */
  upToDate: boolean;
}

/**
 * The outcome of a sync. It never throws for one experiment's failure: that goes to `errors`.
 *
 * @example
 * ```ts
 * import { syncExperimentsToWandb } from 'exptrack/wandb';
 * const { rowsSent, skipped, errors } = await syncExperimentsToWandb({ store, project: 'p' });
 * console.log(`${rowsSent} rows sent; ${skipped.length} already up to date; ${errors.length} failed`);
 * ```
 */
export interface WandbSyncReport {
  /** One entry per experiment that was synced or found up to date. */
  experiments: WandbSyncedExperiment[];
  /** History rows sent, over all experiments. */
  rowsSent: number;
  /** Ids of experiments W&B already had in full: nothing was sent for them. */
  skipped: string[];
  /** Experiments that could not be synced (unknown id, W&B unreachable, ...). */
  errors: Array<{ experimentId: string; error: ExptrackError }>;
}

/**
 * Replays experiments from the local store to W&B, idempotently. Each experiment goes to the run
 * `wandbRunId(id)`; history rows are rebuilt from the store (merged by step, in step order, the same
 * bytes the live backend sends) and written at their line offsets, so a re-sent line replaces the
 * line at its offset instead of adding one. Rows the delivery ledger shows as acknowledged, and
 * that W&B still counts, are not sent again: a second sync sends nothing.
 *
 * @param options - the store, which experiments, and where to send them
 * @returns a report: per experiment, rows sent, skipped ids and errors
 * @throws ExptrackError `invalid_input` when no project or API key is found (nothing is sent).
 * @example
 * ```ts
 * import { SqliteBackend } from 'exptrack/sqlite';
 * import { syncExperimentsToWandb } from 'exptrack/wandb';
 *
 * const store = new SqliteBackend({ path: 'runs.db' });
 * await store.init();
 * const report = await syncExperimentsToWandb({ store, ids: ['exp_20250123_143022_a1b2c3'], project: 'llm-sft', entity: 'my-team' });
 * for (const { experimentId, error } of report.errors) console.error(experimentId, error.message);
 * await store.close();
 * ```
 */
export async function syncExperimentsToWandb(options: WandbSyncOptions): Promise<WandbSyncReport> {
  const project = options.project || process.env.WANDB_PROJECT;
  if (!project) throw new ExptrackError('syncExperimentsToWandb needs a project: pass { project } or set WANDB_PROJECT', { code: 'invalid_input', field: 'project', backend: 'wandb' });
  const baseUrl = resolveBaseUrl(options.baseUrl);
  const apiKey = resolveApiKey(options.apiKey, baseUrl);
  const client = new WandbClient({ baseUrl, apiKey, retry: retryPolicy(options.retry), requestTimeoutMs: options.requestTimeoutMs ?? 30_000 });
  const ledgerDir = resolveLedgerDir(options.ledgerDir);
  const report: WandbSyncReport = { experiments: [], rowsSent: 0, skipped: [], errors: [] };
  const ids = options.ids ?? (await options.store.getAllExperiments({ sort: 'created', direction: 'asc' })).map((e) => e.id);

  let entity = options.entity || process.env.WANDB_ENTITY || undefined;
  for (const experimentId of ids) {
    try {
      if (options.signal?.aborted) throw new ExptrackError('sync aborted', { code: 'timeout', backend: 'wandb', cause: options.signal.reason });
      entity ??= await client.viewerEntity(options.signal);
      const target = { client, entity, project, baseUrl, ledgerDir, jobType: options.jobType, maxRows: options.maxRowsPerRequest ?? 1_000, signal: options.signal };
      const result = await syncOne(options.store, experimentId, target);
      report.experiments.push(result);
      report.rowsSent += result.rowsSent;
      if (result.upToDate) report.skipped.push(experimentId);
    } catch (cause) {
      const error = ExptrackError.is(cause) ? cause : new ExptrackError(`W&B sync of ${experimentId} failed: ${String(cause)}`, { code: 'backend_failed', backend: 'wandb', cause });
      report.errors.push({ experimentId, error });
    }
  }
  return report;
}

interface SyncTarget {
  client: WandbClient;
  entity: string;
  project: string;
  baseUrl: string;
  ledgerDir: string;
  jobType: string | undefined;
  maxRows: number;
  signal: AbortSignal | undefined;
}

async function syncOne(store: ExperimentReader, experimentId: string, target: SyncTarget): Promise<WandbSyncedExperiment> {
  const { client, entity, project, signal } = target;
  const experiment = await store.getExperiment(experimentId);
  if (!experiment) throw new ExptrackError(`no experiment with id ${experimentId} in the store`, { code: 'not_found', field: 'id', value: experimentId, backend: 'wandb' });
  const runId = wandbRunId(experimentId);

  // Rebuild what W&B should hold, exactly as the live backend builds it.
  const [points, evaluations, checkpoints] = await Promise.all([store.getMetrics(experimentId), store.getEvaluationResults(experimentId), store.getCheckpoints(experimentId)]);
  const rows = new Map<number, HistoryRow>();
  const summary = new SummaryState(experimentId);
  summary.mergeUser(experiment.summary);
  summary.status = experiment.status;
  for (const p of points) {
    const key = metricHistoryKey(p.key, p.rank);
    addToRow(rows, p.step, key, p.value, p.timestamp);
    summary.addPoint(key, p.step, p.value);
  }
  for (const evaluation of evaluations) {
    if (evaluation.step !== null) {
      for (const [metric, value] of Object.entries(evaluation.metrics)) addToRow(rows, evaluation.step, evalHistoryKey(evaluation.benchmark, metric), value, evaluation.createdAt);
    }
    summary.addEvaluation(evaluation.benchmark, evaluation.metrics, evaluation.step);
  }
  for (const checkpoint of checkpoints) summary.addCheckpoint(checkpoint);
  const steps = [...rows.keys()].sort((a, b) => a - b);
  const lines = steps.map((step) => encodeHistoryLine(rows.get(step)!, experiment.createdAt));
  const summaryLine = summary.encode();
  const exitCode = exitCodeFor(experiment.status, experiment.summary);
  const vars = upsertVariables(experiment, { entity, project, ...(target.jobType ? { jobType: target.jobType } : {}) });
  const upsertFingerprint = fingerprint(JSON.stringify(vars));

  // What W&B has: the ledger says what it acknowledged; the server says how many lines it holds.
  const file = ledgerPath(target.ledgerDir, ledgerHost(target.baseUrl), entity, project, runId);
  const server = await client.runResumeStatus(entity, project, runId, signal);
  const fresh = (): LedgerState => emptyLedger(experimentId, runId, entity, project, experiment.createdAt);
  let ledger: LedgerState = (server && (await readLedger(file))) || fresh();
  if (ledger.experimentId !== experimentId) ledger = fresh();
  ledger.createdAt = experiment.createdAt;
  const result: WandbSyncedExperiment = { experimentId, runId, entity, project, rowsSent: 0, rowsTotal: lines.length, upserted: false, summarySent: false, completed: false, artifactsSent: 0, artifactUsesSent: 0, artifactUsesUnresolved: 0, upToDate: false };
  const save = (): Promise<void> => writeLedger(file, ledger);

  try {
    if (!server || ledger.upsert !== upsertFingerprint) {
      await client.upsertBucket(vars, signal);
      ledger.upsert = upsertFingerprint;
      result.upserted = true;
      await save();
    }

    let first = lines.findIndex((line, i) => ledger.lines[i] !== fingerprint(line));
    if (first === -1) first = lines.length;
    first = Math.min(first, server?.historyLineCount ?? 0);
    const summaryNeeded = !server || ledger.summary !== fingerprint(summaryLine);
    for (let offset = first; offset < lines.length || (offset === first && summaryNeeded); offset += target.maxRows) {
      const chunk = lines.slice(offset, offset + target.maxRows);
      const files: Record<string, { offset: number; content: string[] }> = {};
      if (chunk.length > 0) files['wandb-history.jsonl'] = { offset, content: chunk };
      const last = offset + target.maxRows >= lines.length;
      if (last && summaryNeeded) files['wandb-summary.json'] = { offset: 0, content: [summaryLine] };
      await client.fileStream(entity, project, runId, JSON.stringify({ files }), signal);
      chunk.forEach((line, i) => {
        ledger.lines[offset + i] = fingerprint(line);
      });
      if (chunk.length > 0) ledger.lastStep = steps[offset + chunk.length - 1]!;
      result.rowsSent += chunk.length;
      if (last && summaryNeeded) {
        ledger.summary = fingerprint(summaryLine);
        result.summarySent = true;
      }
      await save();
    }

    if (keepsArtifacts(store)) await syncArtifacts(store, experimentId, ledger, result, save, target);

    const sentSomething = result.upserted || result.rowsSent > 0 || result.summarySent || result.artifactsSent > 0 || result.artifactUsesSent > 0;
    if (exitCode !== null && (ledger.exitCode !== exitCode || sentSomething)) {
      await client.fileStream(entity, project, runId, JSON.stringify({ complete: true, exitcode: exitCode }), signal);
      ledger.exitCode = exitCode;
      result.completed = true;
    }
    result.upToDate = !sentSomething && !result.completed;
    ledger.undeliveredRows = 0;
    ledger.undeliveredArtifacts = [];
    ledger.undeliveredUses = [];
    ledger.latePoints = 0;
    ledger.needsSync = false;
    ledger.lastError = null;
    await save();
    return result;
  } catch (error) {
    ledger.lastError = error instanceof Error ? error.message : String(error);
    ledger.needsSync = true;
    await save().catch(() => undefined);
    throw error;
  }
}

/**
 * Sends the artifact versions of the run W&B lacks (by the ledger), then the uses of artifacts
 * W&B has; the ledger records each as soon as W&B acknowledged it, so a failure part way sends
 * nothing twice.
 */
async function syncArtifacts(store: StoredArtifacts, experimentId: string, ledger: LedgerState, result: WandbSyncedExperiment, save: () => Promise<void>, target: SyncTarget): Promise<void> {
  const { client, entity, project, signal } = target;
  const runId = wandbRunId(experimentId);
  for (const record of await store.getArtifacts(experimentId)) {
    const key = artifactKey(record.name, record.version);
    if (ledger.artifacts?.[key]?.digest === record.digest) continue;
    const sent = await sendStoredArtifact(client, { entity, project, runId }, store, record, signal);
    (ledger.artifacts ??= {})[key] = { id: sent.id, digest: record.digest };
    result.artifactsSent++;
    await save();
  }
  const { used } = await store.getArtifactLineage(experimentId);
  for (const use of used) {
    const key = useKey(use);
    if (ledger.uses?.includes(key)) continue;
    const id =
      use.sourceExperimentId === experimentId
        ? ledger.artifacts?.[artifactKey(use.name, use.version)]?.id
        : await committedArtifactId(target.ledgerDir, ledgerHost(target.baseUrl), entity, project, wandbRunId(use.sourceExperimentId), use.name, use.version);
    if (id === undefined) {
      result.artifactUsesUnresolved++;
      continue;
    }
    await client.useArtifact(entity, project, runId, id, signal);
    (ledger.uses ??= []).push(key);
    result.artifactUsesSent++;
    await save();
  }
}
