// MLflow's own Python client logs into `exptrack server` (its MLflow API) on SQLite and on Postgres:
// experiments, a run with params, tags, 1,000 steps of metrics, log_batch, artifacts (a file and a
// directory), search_runs with filters and order, metric history, end_run with each status,
// deletion and restore, and a Python process killed mid-run that ends `crashed`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBackend } from 'exptrack/postgres';
import { SqliteBackend } from 'exptrack/sqlite';
import { STALE_AFTER_MS } from 'exptrack';
import { mlflowMounts } from '../../../src/server/mlflow/mlflow-routes.js';
import type { ServerStore } from '../../../src/server/tracking-server.js';
import { dropSchemas, freshName, PG_SKIP_REASON, PG_URL, probePostgres } from '../../fixtures/pg-test-server.js';
import { serve, type ServedStore } from '../../fixtures/tracking-server.js';
import { hasMlflowClient, MLFLOW_SKIP_REASON, runPython, script, startPython } from './mlflow-client-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-mlflow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pgAvailable = hasMlflowClient ? await probePostgres() : false;
const schemas: string[] = [];
afterAll(() => (pgAvailable ? dropSchemas(schemas) : undefined));

const stores: Array<[string, () => ServerStore, string]> = [
  ['SQLite', () => new SqliteBackend({ path: join(dir, `${freshName()}.db`) }), ''],
  [
    'Postgres',
    () => {
      const schema = freshName();
      schemas.push(schema);
      return new PostgresBackend({ connectionString: PG_URL, schema });
    },
    pgAvailable ? '' : ` (skipped: ${PG_SKIP_REASON})`,
  ],
];

describe.skipIf(!hasMlflowClient)(`MLflow's Python client against exptrack server${MLFLOW_SKIP_REASON}`, () => {
  for (const [kind, open, skip] of stores) {
    describe.skipIf(skip !== '')(`on ${kind}${skip}`, () => {
      let served: ServedStore;
      beforeAll(async () => {
        const store = open();
        await store.init();
        served = await serve(store, { mounts: mlflowMounts({ store }) });
      });
      afterAll(() => served?.stop());

      it('logs, searches, reads back, ends, deletes and restores like MLflow', async () => {
        // The client prints its own lines ("View run at ..."); the scenario's result is the last one.
        const out = JSON.parse((await runPython(script('client_scenario.py'), served.server.url)).trim().split('\n').at(-1)!) as Record<string, any>;
        expect(out.artifact_location).toBe(`mlflow-artifacts:/${out.experiment_id}`);
        expect(out.run.status).toBe('FINISHED');
        expect(out.run.name).toBe('py-main');
        expect(out.run.params).toEqual({ lr: '0.01', seed: '42', optimizer: 'adam', batch_size: '32' });
        expect(out.run.metrics).toMatchObject({ loss: 1 / 1000, acc: 0.999, val_loss: 0.25, weird: 'inf' });
        expect(out.run.tags).toMatchObject({ stage: 'sft', team: 'NLP', 'mlflow.runName': 'py-main', 'mlflow.note.content': 'a note' });
        expect(out.param_change).toBe('INVALID_PARAMETER_VALUE');
        expect(out.history).toEqual({ count: 1000, first: [0, 1], last: [999, 1 / 1000] });
        expect(out.weird).toEqual(['nan', 'inf']);
        expect(out.artifacts_root).toEqual([['model.txt', false], ['plots', true]]);
        expect(out.artifacts_plots).toEqual([['plots/a.txt', false], ['plots/inner', true]]);
        expect(out.downloaded).toEqual(['a.txt', 'inner/b.txt']);
        expect(out.model_txt).toBe('weights');
        expect(out.statuses).toEqual({ FINISHED: 'FINISHED', FAILED: 'FAILED', KILLED: 'KILLED' });
        expect(out.search_filter).toEqual(['py-failed']);
        expect(out.search_order).toEqual(['py-finished', 'py-killed', 'py-failed']);
        expect(out.search_like).toEqual([]);
        expect(out.search_ilike).toEqual(['py-main']);
        expect(out.search_status).toEqual(['py-finished', 'py-main']);
        expect(out.paging).toEqual([2, 2, true]);
        expect(out.after_delete).toEqual(['py-failed', 'py-finished', 'py-main']);
        expect(out.deleted_only).toEqual(['py-killed']);
        expect(out.after_restore).toBe(4);
        expect(out.duplicate).toBe('RESOURCE_ALREADY_EXISTS');
        expect(out.deleted_experiment).toBe('deleted');
        expect(out.duplicate_deleted).toBe('RESOURCE_ALREADY_EXISTS');
        expect(out.renamed).toEqual(['mlflow-client-renamed', 'ana']);
        expect(out.experiments).toEqual(['mlflow-client-renamed', 'mlflow-client-test', 'Default']);
        expect(out.missing_run).toBe('RESOURCE_DOES_NOT_EXIST');

        // The same run through exptrack's own reads: params are config strings, the status is exptrack's.
        const [run] = await served.store.getAllExperiments({ group: 'mlflow-client-test', where: { kind: 'compare', field: { scope: 'attribute', name: 'name' }, op: '=', value: 'py-main' } });
        expect(run).toMatchObject({ status: 'completed', notes: 'a note', config: { lr: '0.01', seed: '42' } });
      }, 120_000);

      it('a Python process killed mid-run ends crashed', async () => {
        const child = startPython(script('client_crash.py'), served.server.url);
        const runId = await new Promise<string>((resolve, reject) => {
          let text = '';
          child.stdout!.on('data', (d: Buffer) => {
            text += d.toString();
            if (text.includes('\n')) resolve(text.trim());
          });
          child.on('close', (code) => reject(new Error(`python exited ${code} before starting its run`)));
        });
        expect((await served.store.getExperiment(runId))?.status).toBe('running');
        child.kill('SIGKILL');
        // No request comes from it any more: once its last sign of life is older than the stale
        // limit, the store reads it as crashed (the limit is shortened here by ageing that sign).
        const aged = Date.now() - STALE_AFTER_MS - 1_000;
        await ageHeartbeat(served.store, runId, aged);
        const [crashed] = await served.store.getAllExperiments({ ids: [runId] });
        expect(crashed?.status).toBe('crashed');
      }, 60_000);
    });
  }
});

/** Moves a run's last heartbeat into the past, as if the time had passed. */
async function ageHeartbeat(store: ServerStore, id: string, at: number): Promise<void> {
  await store.write([{ type: 'experiment_updated', experimentId: id, changes: { heartbeatAt: at } }]);
}
