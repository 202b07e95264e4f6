import type { BatchIdentity, ExperimentChanges, TrackerEvent } from '../../core/backend.js';
import { ExptrackError } from '../../core/errors.js';
import { mergeTags, reviveOnHeartbeat } from '../../core/experiment-changes.js';
import type { Experiment, ExperimentStatus } from '../../core/types.js';
import { batchFailure } from '../sql/batch-failures.js';
import { checkpointRow, evaluationRow, experimentRow, sampleRow } from '../sql/event-rows.js';
import { MetricWriter } from './metric-writer.js';
import type { StoreEvent } from '../sql/store-event.js';
import { ArtifactRowWriter } from './artifact-rows.js';
import type { SqliteConnection, SqliteStatement } from './sqlite-driver.js';
import { sqliteValues } from './sqlite-values.js';

type Statement = 'claimBatch' | 'insertExperiment' | 'mutableColumns' | 'updateExperiment' | 'insertEvaluation' | 'insertSample' | 'insertCheckpoint';

/**
 * Applies tracker events to the store, synchronously, one batch in one transaction. An event that
 * fails is rolled back alone (a savepoint each) and reported after the others are committed.
 */
export class EventWriter {
  private readonly metrics: MetricWriter;
  private readonly artifacts: ArtifactRowWriter;
  private readonly statements: Record<Statement, SqliteStatement>;
  private readonly applyBatch: (events: readonly StoreEvent[], batch: BatchIdentity | undefined) => unknown[];

  constructor(db: SqliteConnection) {
    this.metrics = new MetricWriter(db);
    this.artifacts = new ArtifactRowWriter(db);
    this.statements = {
      // Marks the batch as applied, unless it was already: a batch is applied at most once.
      claimBatch: db.prepare(`INSERT INTO write_sessions (key, last_batch, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET last_batch = excluded.last_batch, updated_at = excluded.updated_at
        WHERE write_sessions.last_batch < excluded.last_batch`),
      insertExperiment: db.prepare(`INSERT INTO experiments
        (id, name, notes, group_name, status, created_at, ended_at, heartbeat_at, config, tags, summary, git, git_commit, environment, error)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      mutableColumns: db.prepare('SELECT status, ended_at, heartbeat_at, name, notes, tags, summary, error, config FROM experiments WHERE id = ?'),
      updateExperiment: db.prepare(`UPDATE experiments SET status = @status, ended_at = @ended_at, heartbeat_at = @heartbeat_at,
        name = @name, notes = @notes, tags = @tags, summary = @summary, error = @error, config = @config WHERE id = @id`),
      insertEvaluation: db.prepare(`INSERT INTO evaluations (experiment_id, benchmark, metrics, metadata, step, sample_count, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      insertSample: db.prepare(`INSERT INTO evaluation_samples
        (evaluation_id, position, sample_id, prompt, output, extracted, gold, correct, score, latency_ms, prompt_tokens, completion_tokens, error, attempt, metadata)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertCheckpoint: db.prepare(`INSERT INTO checkpoints (experiment_id, path, step, metrics, size_bytes, sha256, file_count, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    };
    const applyOne = db.transaction((event: StoreEvent) => this.apply(event));
    const batch = db.transaction((events: readonly StoreEvent[], identity: BatchIdentity | undefined) => {
      const failures: unknown[] = [];
      if (identity && this.statements.claimBatch.run(identity.session, identity.sequence, Date.now()).changes === 0) return failures;
      for (const event of events) {
        try {
          applyOne(event); // nested: a savepoint
        } catch (error) {
          failures.push(error);
        }
      }
      return failures;
    });
    this.applyBatch = (events, identity) => batch.immediate(events, identity);
  }

  /**
   * Writes a batch; with `batch`, only when that batch was not applied before (see
   * `BatchIdentity`). Throws SQLITE_BUSY when the lock cannot be had (nothing was written), or an
   * error naming the events that failed after the rest were committed.
   */
  write(events: readonly StoreEvent[], batch?: BatchIdentity): void {
    let failures: unknown[];
    try {
      failures = this.applyBatch(events, batch);
    } catch (error) {
      this.metrics.reset();
      throw error;
    }
    if (failures.length > 0) {
      this.metrics.reset();
      throw batchFailure(failures, events.length, 'sqlite', (cause) => cause);
    }
  }

  private apply(event: StoreEvent): void {
    switch (event.type) {
      case 'experiment_started':
        return this.insertExperiment(event.experiment);
      case 'experiment_updated':
        return this.updateExperiment(event.experimentId, event.changes);
      case 'metrics':
        return this.metrics.insert(event.experimentId, event.points);
      case 'evaluation': {
        const result = this.statements.insertEvaluation.run(...evaluationRow(event));
        const evaluationId = Number(result.lastInsertRowid);
        event.samples.forEach((sample, position) => this.statements.insertSample.run(evaluationId, position, ...sampleRow(sample, sqliteValues)));
        return;
      }
      case 'checkpoint':
        this.statements.insertCheckpoint.run(...checkpointRow(event.experimentId, event.checkpoint));
        return;
      case 'artifact':
      case 'artifact_used':
      case 'media':
        return this.artifacts.apply(event);
    }
  }

  private insertExperiment(e: Experiment): void {
    try {
      this.statements.insertExperiment.run(...experimentRow(e));
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new ExptrackError(`experiment ${e.id} exists already`, { code: 'already_exists', field: 'id', value: e.id, backend: 'sqlite' });
      }
      throw error;
    }
  }

  private updateExperiment(id: string, requested: ExperimentChanges): void {
    const row = this.statements.mutableColumns.get(id) as
      | { status: string; ended_at: number | null; heartbeat_at: number | null; name: string; notes: string; tags: string; summary: string; error: string | null; config: string }
      | undefined;
    if (row === undefined) throw new ExptrackError(`no experiment with id ${id}`, { code: 'not_found', field: 'experimentId', value: id, backend: 'sqlite' });
    const changes = reviveOnHeartbeat(row.status as ExperimentStatus, requested);
    this.statements.updateExperiment.run({
      id,
      status: changes.status ?? row.status,
      ended_at: changes.endedAt !== undefined ? changes.endedAt : row.ended_at,
      heartbeat_at: changes.heartbeatAt ?? row.heartbeat_at,
      name: changes.name ?? row.name,
      notes: changes.notes ?? row.notes,
      tags: changes.tags ? JSON.stringify(mergeTags(JSON.parse(row.tags), changes.tags)) : row.tags,
      summary: changes.summary ? JSON.stringify({ ...JSON.parse(row.summary), ...changes.summary }) : row.summary,
      error: changes.error !== undefined ? changes.error && JSON.stringify(changes.error) : row.error,
      // A key already logged keeps its value.
      config: changes.config ? JSON.stringify({ ...changes.config, ...(JSON.parse(row.config) as Record<string, unknown>) }) : row.config,
    });
  }
}
