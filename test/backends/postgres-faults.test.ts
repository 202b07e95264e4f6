import { spawn } from 'node:child_process';
import { createServer, Socket, type Server } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ExperimentTracker, type ExptrackError } from 'exptrack';
import { PostgresBackend } from 'exptrack/postgres';
import { makeExperiment, metricColumns } from 'exptrack/testing';
import { PG_SKIP_REASON, PG_URL, adminQuery, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';
import { startPrivateCluster, type PrivateCluster } from '../fixtures/private-pg-cluster.js';

const available = await probePostgres();
const schemas: string[] = [];
afterAll(() => (available ? dropSchemas(schemas) : undefined));

const schemaForTest = (): string => {
  const schema = freshName();
  schemas.push(schema);
  return schema;
};

/** Counts the points of an experiment, and the distinct (series, step, writer, seq) keys, on a connection of the test's own. */
async function countPoints(schema: string, experimentId: string): Promise<{ points: number; steps: number }> {
  const [row] = await adminQuery<{ points: string; steps: string }>(
    `SELECT count(*) AS points, count(DISTINCT p.step) AS steps FROM "${schema}".metric_points p
     JOIN "${schema}".metric_series s ON s.id = p.series_id WHERE s.experiment_id = $1`,
    [experimentId],
  );
  return { points: Number(row!.points), steps: Number(row!.steps) };
}

/**
 * A TCP proxy in front of the server that can cut a client's connection around its next COMMIT:
 * `before` drops the COMMIT (the server rolls the transaction back), `after` forwards it and cuts
 * the connection as soon as the server answers, so the client never learns that it committed.
 */
class CuttingProxy {
  private readonly server: Server;
  private mode: 'before' | 'after' | undefined;
  cuts = 0;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.pipe(client));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  armCut(mode: 'before' | 'after'): void {
    this.mode = mode;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(client: Socket): void {
    const upstream = new Socket();
    upstream.connect(this.target.port, this.target.host);
    let cutOnAnswer = false;
    const cut = () => {
      this.cuts++;
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (this.mode !== undefined && isCommit(chunk)) {
        const mode = this.mode;
        this.mode = undefined;
        if (mode === 'before') return cut();
        cutOnAnswer = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutOnAnswer) return cut();
      client.write(chunk);
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}

/** A simple-query message `Q <length> COMMIT\0`, as pg sends `client.query('COMMIT')`. */
function isCommit(chunk: Buffer): boolean {
  const at = chunk.indexOf('COMMIT\u0000');
  return at >= 5 && chunk[at - 5] === 0x51;
}

describe.skipIf(!available)(available ? 'postgres backend: faults' : `postgres backend: faults (skipped: ${PG_SKIP_REASON})`, { timeout: 120_000 }, () => {
  it('a COMMIT whose answer is lost is not applied twice; a COMMIT that never arrived is applied on retry', async () => {
    const server = new URL(PG_URL);
    const proxy = new CuttingProxy({ host: server.hostname, port: Number(server.port || 5432) });
    await proxy.start();
    const viaProxy = new URL(PG_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const schema = schemaForTest();
    const store = new PostgresBackend({ connectionString: viaProxy.toString(), schema });
    try {
      const e = makeExperiment();
      await store.write([{ type: 'experiment_started', experiment: e }]);
      const batch = (from: number) => metricColumns(Array.from({ length: 1000 }, (_, i) => ['loss', from + i, i] as const));

      proxy.armCut('after');
      await store.write([{ type: 'metrics', experimentId: e.id, points: batch(0) }]);
      expect(proxy.cuts).toBe(1);
      expect(await countPoints(schema, e.id)).toEqual({ points: 1000, steps: 1000 });

      proxy.armCut('before');
      await store.write([
        { type: 'metrics', experimentId: e.id, points: batch(1000) },
        { type: 'evaluation', experimentId: e.id, evaluation: { benchmark: 'b', metrics: { a: 1 }, metadata: {}, step: null, createdAt: 1 }, samples: [{ id: 's' }] },
      ]);
      expect(proxy.cuts).toBe(2);
      expect(await countPoints(schema, e.id)).toEqual({ points: 2000, steps: 2000 });

      proxy.armCut('after');
      await store.write([
        { type: 'evaluation', experimentId: e.id, evaluation: { benchmark: 'c', metrics: { a: 2 }, metadata: {}, step: null, createdAt: 2 }, samples: [{ id: 't' }] },
        { type: 'checkpoint', experimentId: e.id, checkpoint: { experimentId: e.id, path: '/c', step: 1, metrics: {}, sizeBytes: 1, sha256: 'a'.repeat(64), fileCount: 1, createdAt: 3 } },
        { type: 'experiment_updated', experimentId: e.id, changes: { summary: { best: 1 } } },
      ]);
      expect(proxy.cuts).toBe(3);
      expect((await store.getEvaluationResults(e.id)).map((x) => x.benchmark)).toEqual(['b', 'c']);
      expect((await store.getEvaluationSamples(e.id)).map((x) => x.id)).toEqual(['s', 't']);
      expect(await store.getCheckpoints(e.id)).toHaveLength(1);
      const [loss] = await store.getMetricSummaries(e.id);
      expect(loss?.count).toBe(2000); // the summary was folded once per batch, not once per attempt
    } finally {
      await store.close();
      await proxy.stop();
    }
  });

  it('pg_terminate_backend on its sessions mid-run: the backend reconnects, retries, and loses or duplicates no point', async () => {
    const schema = schemaForTest();
    const applicationName = freshName('xt_kill');
    const store = new PostgresBackend({ connectionString: PG_URL, schema, applicationName });
    const errors: ExptrackError[] = [];
    const tracker = new ExperimentTracker({
      backends: [store],
      captureGit: false,
      captureEnvironment: false,
      handleProcessEvents: false,
      flushIntervalMs: 20,
      maxBufferedPoints: 5_000,
      backendTimeoutMs: 110_000, // a slow, loaded machine is not what this test is about
      onError: (error) => errors.push(error),
    });
    const id = await tracker.startExperiment({ learning_rate: 0.1 });
    const total = 200_000;
    let killedBusy = 0;
    let killedAll = 0;
    let written = false;
    const killer = (async () => {
      while (!written && killedBusy < 5) {
        const rows = await adminQuery<{ busy: boolean }>(
          // Materialised first: in one WHERE clause the planner may call pg_terminate_backend before the filter.
          `WITH victims AS MATERIALIZED (SELECT pid, state FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid())
           SELECT state <> 'idle' AS busy FROM victims WHERE pg_terminate_backend(pid)`,
          [applicationName],
        );
        killedAll += rows.length;
        killedBusy += rows.filter((r) => r.busy).length;
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    for (let step = 0; step < total; step++) {
      tracker.logMetrics({ loss: step, acc: -step }, step);
      if (step % 2_000 === 1_999) await new Promise((r) => setTimeout(r, 1));
    }
    await tracker.flush();
    written = true;
    await killer;
    await tracker.finishExperiment();
    await tracker.close();

    expect(errors.map((e) => e.message)).toEqual([]);
    expect(killedAll).toBeGreaterThan(0);
    expect(killedBusy).toBeGreaterThan(0); // at least one session died inside a batch
    const reader = new PostgresBackend({ connectionString: PG_URL, schema });
    try {
      for (const key of ['loss', 'acc']) {
        const points = await reader.getMetrics(id, key);
        expect(points).toHaveLength(total);
        const sign = key === 'loss' ? 1 : -1;
        expect(points.every((p, i) => p.step === i && p.value === sign * i)).toBe(true);
      }
      expect((await reader.getExperiment(id))?.status).toBe('completed');
    } finally {
      await reader.close();
    }
  });

  // The short hold gets a generous timeout: with another test's cluster busy on the same disk, a commit
  // after the lock was released took over 2 s once.
  it.each([
    { holdMs: 300, timeoutMs: 10_000, reported: false },
    { holdMs: 5_000, timeoutMs: 2_000, reported: true },
  ])('another session holds an exclusive lock on the points table for $holdMs ms (backendTimeoutMs $timeoutMs ms): the writes wait, every point lands once it is released', async ({ holdMs, timeoutMs, reported }) => {
    const schema = schemaForTest();
    const store = new PostgresBackend({ connectionString: PG_URL, schema });
    await store.init(); // its migrations, on a loaded machine, are not what the 2 s timeout is about
    const errors: string[] = [];
    const tracker = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false, systemMetrics: false, backendTimeoutMs: timeoutMs, onError: (e, context) => errors.push(`${context.operation}:${e.code}`) });
    const id = await tracker.startExperiment({});
    for (let step = 0; step < 1_000; step++) tracker.logMetrics({ loss: step }, step);
    expect((await tracker.flush()).map((r) => r.ok)).toEqual([true]);

    const holder = new pg.Client({ connectionString: PG_URL });
    holder.on('error', () => {});
    await holder.connect();
    await holder.query(`BEGIN; LOCK TABLE "${schema}".metric_points IN ACCESS EXCLUSIVE MODE`);
    const released = new Promise((r) => setTimeout(r, holdMs)).then(() => holder.query('COMMIT')).finally(() => holder.end());
    for (let step = 1_000; step < 2_000; step++) tracker.logMetrics({ loss: step }, step);
    const whileLocked = (await tracker.flush()).map((r) => r.ok);
    await released;
    await tracker.finishExperiment();
    await tracker.close();

    expect(whileLocked).toEqual([!reported]);
    if (reported) {
      // Each call that outlived backendTimeoutMs is reported as it hung: the write, and the flushes waiting behind it.
      expect(errors).toContain('write:timeout');
      expect(errors.every((e) => /^(write|flush):timeout$/.test(e))).toBe(true);
    } else {
      expect(errors).toEqual([]);
    }
    const reader = new PostgresBackend({ connectionString: PG_URL, schema });
    try {
      const points = await reader.getMetrics(id, 'loss');
      expect(points.map((p) => p.step)).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
      expect((await reader.getExperiment(id))?.status).toBe('completed');
    } finally {
      await reader.close();
    }
  });

  it('a training run whose role may only read the store: the loop goes on, the refusal is reported, nothing is written', async () => {
    const schema = schemaForTest();
    const owner = new PostgresBackend({ connectionString: PG_URL, schema });
    const existing = makeExperiment();
    await owner.write([{ type: 'experiment_started', experiment: existing }]);
    await owner.close();
    const role = freshName('xt_reader');
    await adminQuery(`CREATE ROLE ${role} LOGIN PASSWORD 'reader'; GRANT USAGE ON SCHEMA "${schema}" TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`);
    try {
      const asReader = new URL(PG_URL);
      asReader.username = role;
      asReader.password = 'reader';
      const errors: string[] = [];
      const tracker = new ExperimentTracker({ backends: [new PostgresBackend({ connectionString: asReader.toString(), schema })], captureGit: false, captureEnvironment: false, handleProcessEvents: false, systemMetrics: false, onError: (e, context) => errors.push(`${context.operation}:${e.code}: ${e.message}`) });
      const id = await tracker.startExperiment({});
      for (let step = 0; step < 1_000; step++) tracker.logMetrics({ loss: step }, step);
      const finished = await tracker.finishExperiment();
      await tracker.close();

      expect(finished.map((r) => r.ok)).toEqual([false]);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]).toMatch(/^init:backend_failed: postgres store .*: permission denied for database postgres$/); // opening runs CREATE SCHEMA IF NOT EXISTS
      expect(errors.at(-1)).toMatch(new RegExp(`experiment ${id} finished, but backend postgres failed: .*no store has the whole run`));
      const reader = new PostgresBackend({ connectionString: PG_URL, schema });
      try {
        expect((await reader.getAllExperiments()).map((e) => e.id)).toEqual([existing.id]);
        expect(await countPoints(schema, id)).toEqual({ points: 0, steps: 0 });
      } finally {
        await reader.close();
      }
    } finally {
      await adminQuery(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it('keeps trying while the server is unreachable at first, within retryForMs, then reports unavailable', async () => {
    const store = new PostgresBackend({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres', schema: 'never_made', retryForMs: 300, connectionTimeoutMillis: 200 });
    const started = Date.now();
    await expect(store.write([{ type: 'experiment_started', experiment: makeExperiment() }])).rejects.toMatchObject({ code: 'unavailable', backend: 'postgres' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await store.close();
  });
});

const cluster = await startPrivateCluster();
afterAll(() => ('url' in cluster ? cluster.remove() : undefined));

describe.skipIf(!('url' in cluster))('url' in cluster ? 'postgres backend: a server restarted' : `postgres backend: a server restarted (skipped: ${cluster.skip})`, { timeout: 120_000 }, () => {
  it('a private server stopped (pg_ctl stop -m fast) and started again mid-run: the run ends completed, every point stored exactly once, nothing reported', async () => {
    const { url, stop, start } = cluster as PrivateCluster;
    const schema = freshName();
    const total = 60_000; // 100 points every 10 ms: about 6 s of logging
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../fixtures/paced-writer-child.ts'), String(total), 'postgres', url, schema], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const stored = async (id: string) => Number((await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".metric_points p JOIN "${schema}".metric_series s ON s.id = p.series_id WHERE s.experiment_id = $1`, [id], url))[0]!.n);
    const startedAt = async () => (await adminQuery<{ t: Date }>('SELECT pg_postmaster_start_time() AS t', [], url))[0]!.t.getTime();

    while (!out.includes('\n') && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    const id = out.split('\n')[0]!;
    let before = 0;
    while ((before = await stored(id)) < 5_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const firstStart = await startedAt();
    stop();
    await new Promise((r) => setTimeout(r, 1_000)); // the writer meets a server that is gone
    start();
    const runningThrough = child.exitCode === null;
    expect(await exited, stderr).toBe(0);

    expect(runningThrough).toBe(true); // the restart happened while it was logging
    expect(before).toBeGreaterThanOrEqual(5_000);
    expect(before).toBeLessThan(total);
    expect(await startedAt()).toBeGreaterThan(firstStart); // a new server process, not the old one
    expect(JSON.parse(out.split('\n')[1]!)).toEqual({ errors: [], ok: true });
    const reader = new PostgresBackend({ connectionString: url, schema });
    try {
      const points = await reader.getMetrics(id, 'loss');
      expect(points).toHaveLength(total);
      expect(points.every((p, i) => p.step === i && p.value === i)).toBe(true);
      expect((await reader.getExperiment(id))?.status).toBe('completed');
    } finally {
      await reader.close();
    }
  });
});
