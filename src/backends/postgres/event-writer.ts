import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { BatchIdentity, ExperimentChanges, TrackerEvent } from '../../core/backend.js';
import { ExptrackError } from '../../core/errors.js';
import { applyArtifactEvent } from './artifact-rows.js';
import { encodeNumbers } from '../../core/json-numbers.js';
import type { EvaluationSample, Experiment } from '../../core/types.js';
import type { MetricColumnsView, StoreEvent } from '../sql/store-event.js';
import { batchFailure } from '../sql/batch-failures.js';
import { checkpointRow, evaluationRow, experimentRow, groupBySeries, sampleRow } from '../sql/event-rows.js';
import { jitteredBackoff, retry, type RetryPolicy } from '../sql/retry.js';
import { describe, isConnectionError, isTransient, storeError } from './pg-errors.js';
import type { PgPool, PgPoolClient } from './pg-driver.js';
import { postgresStoreDialect } from './postgres-store-dialect.js';

/** Rows per INSERT of metric points: bounds the size of one statement's parameters. */
const CHUNK_ROWS = 20_000;

/** A writer row: the (backend instance, experiment, rank) that logged a point. */
interface WriterRow {
  id: number;
  startedAt: number;
}

/** What a batch decided before its first attempt, so that every retry writes the same keys. */
interface BatchPlan {
  events: readonly StoreEvent[];
  /** The batch's entry in `write_sessions`: this instance's session and number, or the caller's. */
  claim: BatchIdentity;
  /** Per event: the first sequence number of its points (metrics events only). */
  seqStarts: Array<number | undefined>;
}

/** Ids learned inside a transaction; they become the cache only once it committed. */
class Learned {
  readonly writers = new Map<string, WriterRow>();
  readonly series = new Map<string, Map<string, number>>();

  merge(other: Learned): void {
    for (const [key, row] of other.writers) this.writers.set(key, row);
    for (const [experimentId, keys] of other.series) {
      let mine = this.series.get(experimentId);
      if (!mine) this.series.set(experimentId, (mine = new Map()));
      for (const [key, id] of keys) mine.set(key, id);
    }
  }
}

type AttemptOutcome = { kind: 'committed'; failures: unknown[] } | { kind: 'skipped' } | { kind: 'event_failed' };

/** Marks the batch as applied, unless it was already: a batch is applied at most once. */
const CLAIM_BATCH = `INSERT INTO write_sessions (key, last_batch, updated_at) VALUES ($1, $2, $3)
  ON CONFLICT (key) DO UPDATE SET last_batch = EXCLUDED.last_batch, updated_at = EXCLUDED.updated_at
  WHERE write_sessions.last_batch < EXCLUDED.last_batch RETURNING last_batch`;

/** Locks the rows of the experiments a batch touches, always in id order, so batches never deadlock. */
const LOCK_EXPERIMENTS = 'SELECT id FROM experiments WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE';

const INSERT_EXPERIMENT = `INSERT INTO experiments
  (id, name, notes, group_name, status, created_at, ended_at, heartbeat_at, config, tags, summary, git, git_commit, environment, error)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, $12::jsonb, $13, $14::jsonb, $15::jsonb)`;

/**
 * Applies `ExperimentChanges` in one statement, as `applyExperimentChanges` does: tags and summary
 * merge, a heartbeat revives a run marked crashed (`reviveOnHeartbeat`), other fields replace.
 */
const UPDATE_EXPERIMENT = `UPDATE experiments SET
  status = CASE WHEN $2::text IS NOT NULL THEN $2::text WHEN $3::bigint IS NOT NULL AND status = 'crashed' THEN 'running' ELSE status END,
  ended_at = CASE WHEN $2::text IS NULL AND $3::bigint IS NOT NULL AND status = 'crashed' THEN NULL WHEN $4::boolean THEN $5::bigint ELSE ended_at END,
  heartbeat_at = COALESCE($3::bigint, heartbeat_at),
  name = COALESCE($6::text, name),
  notes = COALESCE($7::text, notes),
  tags = CASE WHEN $8::jsonb IS NULL THEN tags ELSE (tags || $8::jsonb) - $9::text[] END,
  summary = CASE WHEN $10::jsonb IS NULL THEN summary ELSE summary || $10::jsonb END,
  error = CASE WHEN $11::boolean THEN $12::jsonb ELSE error END,
  config = CASE WHEN $13::jsonb IS NULL THEN config ELSE $13::jsonb || config END
  WHERE id = $1 RETURNING 1`;

const UPSERT_WRITER = `INSERT INTO writers (experiment_id, session_key, rank, pid, hostname, started_at) VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (session_key, experiment_id, rank) DO UPDATE SET pid = EXCLUDED.pid RETURNING id, started_at`;

const ENSURE_SERIES = `INSERT INTO metric_series (experiment_id, key) SELECT $1, k FROM unnest($2::text[]) AS k ORDER BY k
  ON CONFLICT (experiment_id, key) DO NOTHING`;

const SERIES_IDS = 'SELECT id, key FROM metric_series WHERE experiment_id = $1 AND key = ANY($2::text[])';

const INSERT_POINTS = `INSERT INTO metric_points (series_id, step, writer_id, seq, value, ts_offset)
  SELECT s, st, $3::bigint, q, v, o FROM unnest($1::bigint[], $2::bigint[], $4::bigint[], $5::float8[], $6::bigint[]) AS u(s, st, q, v, o)`;

/** Folds one batch's per-series figures into the stored summaries (LEAST/GREATEST skip NULLs). */
const UPDATE_SERIES = `UPDATE metric_series m SET
  count = m.count + d.n,
  first_step = LEAST(m.first_step, d.first_step),
  last_value = CASE WHEN m.last_step IS NULL OR d.last_step >= m.last_step THEN d.last_value ELSE m.last_value END,
  last_step = GREATEST(m.last_step, d.last_step),
  min_value = LEAST(m.min_value, d.min_value),
  max_value = GREATEST(m.max_value, d.max_value)
  FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::float8[], $6::float8[], $7::float8[])
    AS d(id, n, first_step, last_step, last_value, min_value, max_value)
  WHERE m.id = d.id`;

const INSERT_EVALUATION = `INSERT INTO evaluations (experiment_id, benchmark, metrics, metadata, step, sample_count, created_at)
  VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6, $7) RETURNING id`;

const INSERT_SAMPLES = `INSERT INTO evaluation_samples
  (evaluation_id, position, sample_id, prompt, output, extracted, gold, correct, score, latency_ms, prompt_tokens, completion_tokens, error, attempt, metadata)
  SELECT $1::bigint, u.p - 1, u.sid, u.prompt, u.output, u.extracted, u.gold, u.correct, u.score, u.latency, u.pt, u.ct, u.err, u.attempt, u.meta::jsonb
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::float8[], $9::float8[], $10::bigint[], $11::bigint[],
    $12::text[], $13::integer[], $14::text[]) WITH ORDINALITY AS u(sid, prompt, output, extracted, gold, correct, score, latency, pt, ct, err, attempt, meta, p)`;

const INSERT_CHECKPOINT = `INSERT INTO checkpoints (experiment_id, path, step, metrics, size_bytes, sha256, file_count, created_at)
  VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)`;

/**
 * Applies tracker events to a Postgres store, one batch in one transaction, exactly once:
 *
 * - each batch gets a number before its first attempt, and the transaction first claims it in the
 *   `write_sessions` ledger (one row per backend instance). A batch retried after its COMMIT was
 *   lost in transit finds its number taken and is skipped, so nothing is applied twice;
 * - sequence numbers and writer rows are decided before the first attempt too, so a retry writes
 *   the very same primary keys;
 * - a dropped connection, a deadlock or a serialization failure rolls the transaction back and the
 *   batch is retried on a fresh connection, with backoff, for up to `retryForMs`;
 * - an event that fails for its own reasons (an unknown experiment, a duplicate id) is rolled back
 *   alone (a savepoint each, taken only after the fast path failed) and reported after the others
 *   are committed, as in the SQLite store.
 */
export class PgEventWriter {
  /** Identifies this backend instance in `write_sessions` and `writers`. */
  readonly sessionKey = randomUUID();
  private batchNumber = 0;
  private readonly cache = new Learned();
  /** Writer key → the next sequence number; reserved at planning, never reused. */
  private readonly nextSeq = new Map<string, number>();
  /** Writer key → the timestamp its rows are offset from (the first point it planned). */
  private readonly startedAt = new Map<string, number>();
  /** Batches run one after another, in order, whatever the caller does. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: PgPool,
    private readonly options: { retryForMs: number; where: string },
  ) {}

  /**
   * Writes a batch, after every batch handed over before it; with `batch`, that identity is
   * claimed in `write_sessions` instead of this instance's own (a tracking server's client batch).
   */
  write(events: readonly StoreEvent[], batch?: BatchIdentity): Promise<void> {
    if (events.length === 0) return this.chain.then(() => undefined);
    const plan = this.plan(events, batch);
    const run = this.chain.then(() => this.run(plan));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves when every batch handed over so far has settled. */
  async idle(): Promise<void> {
    await this.chain;
  }

  private plan(events: readonly StoreEvent[], batch: BatchIdentity | undefined): BatchPlan {
    const seqStarts = events.map((event) => {
      if (event.type !== 'metrics' || event.points.keys.length === 0) return undefined;
      const key = writerKey(event.experimentId, event.points.rank);
      if (!this.startedAt.has(key)) this.startedAt.set(key, event.points.timestamps[0]!);
      const start = this.nextSeq.get(key) ?? 0;
      this.nextSeq.set(key, start + event.points.keys.length);
      return start;
    });
    const claim = batch ?? { session: this.sessionKey, sequence: ++this.batchNumber };
    return { events, claim, seqStarts };
  }

  private async run(plan: BatchPlan): Promise<void> {
    const outcome = await retry(
      () =>
        this.withClient(async (client) => {
          const fast = await this.attempt(client, plan, false);
          return fast.kind === 'event_failed' ? this.attempt(client, plan, true) : fast;
        }),
      this.retryPolicy,
    );
    if (outcome.kind === 'committed' && outcome.failures.length > 0) {
      throw batchFailure(outcome.failures, plan.events.length, 'postgres', (cause) => eventError(cause, this.options.where));
    }
  }

  /** A dropped connection, a deadlock or a serialization failure is retried with backoff for up to `retryForMs`. */
  private get retryPolicy(): RetryPolicy {
    return {
      forMs: this.options.retryForMs,
      backoffMs: jitteredBackoff(50, 2_000),
      settle: (cause) => ({ error: storeError(cause, this.options.where), retryable: isTransient(cause) }),
    };
  }

  private async withClient<T>(body: (client: PgPoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      const result = await body(client);
      client.release();
      return result;
    } catch (cause) {
      // A connection that failed, or whose transaction state is unknown, is closed, not pooled.
      client.release(cause instanceof Error ? cause : true);
      throw cause;
    }
  }

  /**
   * One transaction. Without savepoints the first failing event aborts it (`event_failed`), and the
   * caller runs it again with a savepoint per event, collecting the failures.
   */
  private async attempt(client: PgPoolClient, plan: BatchPlan, savepoints: boolean): Promise<AttemptOutcome> {
    await client.query('BEGIN');
    try {
      const claim = await client.query({ name: 'exptrack_claim_batch', text: CLAIM_BATCH, values: [plan.claim.session, plan.claim.sequence, Date.now()] });
      if (claim.rowCount === 0) {
        await client.query('ROLLBACK');
        return { kind: 'skipped' };
      }
      const ids = [...new Set(plan.events.map(experimentIdOf))].sort();
      const locked = await client.query<{ id: string }>({ name: 'exptrack_lock_experiments', text: LOCK_EXPERIMENTS, values: [ids] });
      const known = new Set(locked.rows.map((r) => r.id));
      const learned = new Learned();
      const failures: unknown[] = [];
      for (let i = 0; i < plan.events.length; i++) {
        const event = plan.events[i]!;
        if (!savepoints) {
          try {
            await this.apply(client, event, plan.seqStarts[i], known, learned);
          } catch (cause) {
            if (isTransient(cause)) throw cause;
            await client.query('ROLLBACK');
            return { kind: 'event_failed' };
          }
          continue;
        }
        await client.query('SAVEPOINT exptrack_event');
        const scratch = new Learned();
        const knownBefore = new Set(known);
        try {
          await this.apply(client, event, plan.seqStarts[i], known, scratch);
          await client.query('RELEASE SAVEPOINT exptrack_event');
          learned.merge(scratch);
        } catch (cause) {
          if (isTransient(cause)) throw cause;
          await client.query('ROLLBACK TO SAVEPOINT exptrack_event');
          known.clear();
          for (const id of knownBefore) known.add(id);
          failures.push(cause);
        }
      }
      const commit = await client.query('COMMIT');
      if (commit.command === 'ROLLBACK') throw new ExptrackError('postgres rolled the batch back at COMMIT', { code: 'backend_failed', backend: 'postgres' });
      this.cache.merge(learned);
      return { kind: 'committed', failures };
    } catch (cause) {
      if (!isConnectionError(cause)) await client.query('ROLLBACK').catch(() => undefined);
      throw cause;
    }
  }

  private async apply(client: PgPoolClient, event: StoreEvent, seqStart: number | undefined, known: Set<string>, learned: Learned): Promise<void> {
    switch (event.type) {
      case 'experiment_started':
        await this.insertExperiment(client, event.experiment);
        known.add(event.experiment.id);
        return;
      case 'experiment_updated':
        return this.updateExperiment(client, event.experimentId, event.changes, known);
      case 'metrics':
        if (event.points.keys.length === 0) return;
        if (!known.has(event.experimentId)) throw notFound(event.experimentId);
        return this.insertMetrics(client, event.experimentId, event.points, seqStart!, learned);
      case 'evaluation':
        if (!known.has(event.experimentId)) throw notFound(event.experimentId);
        return this.insertEvaluation(client, event);
      case 'checkpoint':
        if (!known.has(event.experimentId)) throw notFound(event.experimentId);
        await client.query({ name: 'exptrack_insert_checkpoint', text: INSERT_CHECKPOINT, values: checkpointRow(event.experimentId, event.checkpoint) });
        return;
      case 'artifact':
      case 'artifact_used':
      case 'media':
        if (!known.has(event.experimentId)) throw notFound(event.experimentId);
        return applyArtifactEvent(client, event);
    }
  }

  private async insertExperiment(client: PgPoolClient, e: Experiment): Promise<void> {
    try {
      await client.query({
        name: 'exptrack_insert_experiment',
        text: INSERT_EXPERIMENT,
        values: experimentRow(e),
      });
    } catch (cause) {
      const { code, constraint } = describe(cause);
      if (code === '23505' && constraint === 'experiments_pkey') {
        throw new ExptrackError(`experiment ${e.id} exists already`, { code: 'already_exists', field: 'id', value: e.id, backend: 'postgres', cause });
      }
      throw cause;
    }
  }

  private async updateExperiment(client: PgPoolClient, id: string, changes: ExperimentChanges, known: Set<string>): Promise<void> {
    if (!known.has(id)) throw notFound(id);
    let tagsSet: string | null = null;
    const tagsRemoved: string[] = [];
    if (changes.tags !== undefined) {
      const set: Record<string, string> = {};
      for (const [key, value] of Object.entries(changes.tags)) {
        if (value === null) tagsRemoved.push(key);
        else set[key] = value;
      }
      tagsSet = JSON.stringify(set);
    }
    const result = await client.query({
      name: 'exptrack_update_experiment',
      text: UPDATE_EXPERIMENT,
      values: [
        id,
        changes.status ?? null,
        changes.heartbeatAt ?? null,
        changes.endedAt !== undefined,
        changes.endedAt ?? null,
        changes.name ?? null,
        changes.notes ?? null,
        tagsSet,
        tagsRemoved,
        changes.summary === undefined ? null : JSON.stringify(changes.summary),
        changes.error !== undefined,
        changes.error ? JSON.stringify(changes.error) : null,
        changes.config === undefined ? null : JSON.stringify(changes.config),
      ],
    });
    if (result.rowCount === 0) throw notFound(id);
  }

  private async insertMetrics(client: PgPoolClient, experimentId: string, points: MetricColumnsView, seqStart: number, learned: Learned): Promise<void> {
    const { keys, steps, values, timestamps } = points;
    const writer = await this.writerFor(client, experimentId, points.rank, learned);
    const seriesIds = await this.seriesFor(client, experimentId, keys, learned);

    // Series by series, in series id order, so that the primary key index is filled in order.
    const groups = groupBySeries(keys, (key) => seriesIds.get(key)!);
    const order = [...groups.keys()].sort((a, b) => a - b);

    const delta = { ids: [] as number[], n: [] as number[], first: [] as number[], last: [] as number[], lastValue: [] as number[], min: [] as string[], max: [] as string[] };
    let chunk = newChunk();
    for (const seriesId of order) {
      const indices = groups.get(seriesId)!;
      let firstStep = Infinity;
      let lastStep = -Infinity;
      let lastValue = NaN;
      let min = NaN;
      let max = NaN;
      for (const i of indices) {
        const step = steps[i]!;
        const value = values[i]!;
        chunk.series.push(seriesId);
        chunk.steps.push(step);
        chunk.seqs.push(seqStart + i);
        chunk.values.push(value);
        chunk.offsets.push(timestamps[i]! - writer.startedAt);
        if (chunk.series.length === CHUNK_ROWS) {
          await this.insertChunk(client, writer.id, chunk);
          chunk = newChunk();
        }
        if (step < firstStep) firstStep = step;
        if (step >= lastStep) {
          lastStep = step;
          lastValue = value;
        }
        if (value === value) {
          if (!(value >= min)) min = value; // NaN min/max: none yet
          if (!(value <= max)) max = value;
        }
      }
      delta.ids.push(seriesId);
      delta.n.push(indices.length);
      delta.first.push(firstStep);
      delta.last.push(lastStep);
      delta.lastValue.push(lastValue);
      delta.min.push(min === min ? String(min) : 'NULL');
      delta.max.push(max === max ? String(max) : 'NULL');
    }
    if (chunk.series.length > 0) await this.insertChunk(client, writer.id, chunk);
    await client.query({
      name: 'exptrack_update_series',
      text: UPDATE_SERIES,
      values: [numbers(delta.ids), numbers(delta.n), numbers(delta.first), numbers(delta.last), numbers(delta.lastValue), `{${delta.min.join(',')}}`, `{${delta.max.join(',')}}`],
    });
  }

  private async insertChunk(client: PgPoolClient, writerId: number, chunk: Chunk): Promise<void> {
    await client.query({
      name: 'exptrack_insert_points',
      text: INSERT_POINTS,
      values: [numbers(chunk.series), numbers(chunk.steps), writerId, numbers(chunk.seqs), numbers(chunk.values), numbers(chunk.offsets)],
    });
  }

  private async writerFor(client: PgPoolClient, experimentId: string, rank: number, learned: Learned): Promise<WriterRow> {
    const key = writerKey(experimentId, rank);
    const cached = this.cache.writers.get(key) ?? learned.writers.get(key);
    if (cached) return cached;
    const result = await client.query<{ id: number; started_at: number }>({
      name: 'exptrack_upsert_writer',
      text: UPSERT_WRITER,
      values: [experimentId, this.sessionKey, rank, process.pid, hostname(), this.startedAt.get(key)],
    });
    const row = result.rows[0]!;
    const writer = { id: row.id, startedAt: row.started_at };
    learned.writers.set(key, writer);
    return writer;
  }

  private async seriesFor(client: PgPoolClient, experimentId: string, keys: ArrayLike<string>, learned: Learned): Promise<Map<string, number>> {
    const cached = this.cache.series.get(experimentId);
    const fresh = learned.series.get(experimentId);
    const ids = new Map<string, number>();
    const missing = new Set<string>();
    let lastKey: string | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key === lastKey || ids.has(key)) continue;
      lastKey = key;
      const id = cached?.get(key) ?? fresh?.get(key);
      if (id === undefined) missing.add(key);
      else ids.set(key, id);
    }
    if (missing.size > 0) {
      const wanted = [...missing].sort();
      await client.query({ name: 'exptrack_ensure_series', text: ENSURE_SERIES, values: [experimentId, wanted] });
      const rows = await client.query<{ id: number; key: string }>({ name: 'exptrack_series_ids', text: SERIES_IDS, values: [experimentId, wanted] });
      let mine = learned.series.get(experimentId);
      if (!mine) learned.series.set(experimentId, (mine = new Map()));
      for (const { id, key } of rows.rows) {
        ids.set(key, id);
        mine.set(key, id);
      }
    }
    return ids;
  }

  private async insertEvaluation(client: PgPoolClient, event: Extract<TrackerEvent, { type: 'evaluation' }>): Promise<void> {
    const result = await client.query<{ id: number }>({ name: 'exptrack_insert_evaluation', text: INSERT_EVALUATION, values: evaluationRow(event) });
    if (event.samples.length === 0) return;
    // One array per column, for unnest.
    const rows = event.samples.map((sample) => sampleRow(sample, postgresStoreDialect));
    const columns = rows[0]!.map((_, column) => rows.map((row) => row[column]));
    await client.query({ name: 'exptrack_insert_samples', text: INSERT_SAMPLES, values: [result.rows[0]!.id, ...columns] });
  }
}

interface Chunk {
  series: number[];
  steps: number[];
  seqs: number[];
  values: number[];
  offsets: number[];
}

function newChunk(): Chunk {
  return { series: [], steps: [], seqs: [], values: [], offsets: [] };
}

/**
 * A Postgres array literal of numbers. `String` writes NaN, Infinity and -Infinity as the words
 * float8 reads, and safe integers without an exponent. Far cheaper than one parameter per value.
 */
function numbers(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}

function writerKey(experimentId: string, rank: number): string {
  return `${experimentId}\u0000${rank}`;
}

function experimentIdOf(event: StoreEvent): string {
  return event.type === 'experiment_started' ? event.experiment.id : event.experimentId;
}

function notFound(id: string): ExptrackError {
  return new ExptrackError(`no experiment with id ${id}`, { code: 'not_found', field: 'experimentId', value: id, backend: 'postgres' });
}

function eventError(cause: unknown, where: string): ExptrackError {
  if (ExptrackError.is(cause)) return cause;
  const { code, constraint } = describe(cause);
  if (code === '23503' && constraint.endsWith('experiment_id_fkey')) {
    return new ExptrackError(`postgres store ${where}: the experiment was deleted while being written to`, { code: 'not_found', backend: 'postgres', cause });
  }
  return storeError(cause, where);
}

