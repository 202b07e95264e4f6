import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { PostgresBackend } from 'exptrack/postgres';
import { freshDatabase, PG_SKIP_REASON, probePostgres } from '../fixtures/pg-test-server.js';
import { cli, cliJson, requireBuild } from './helpers.js';

const available = await probePostgres();
let database: { url: string; drop: () => Promise<void> } | undefined;
const ids: string[] = [];

describe.skipIf(!available)(`a postgres:// --db opens exptrack/postgres (${available ? 'server found' : PG_SKIP_REASON})`, () => {
  beforeAll(async () => {
    requireBuild();
    database = await freshDatabase();
    for (const [lr, acc] of [[1e-3, 0.4], [3e-4, 0.6]] as const) {
      const tracker = new ExperimentTracker({ backends: [new PostgresBackend({ connectionString: database.url })], captureGit: false, handleProcessEvents: false });
      ids.push(await tracker.startExperiment({ learning_rate: lr }, { name: `pg-${lr}` }));
      for (let s = 0; s < 10; s++) tracker.logMetrics({ loss: 1 / (s + 1) }, s);
      const samples = Array.from({ length: 50 }, (_, i) => ({ id: `q${i}`, correct: i / 50 < acc }));
      await tracker.logEvaluation('gsm8k', { metrics: { accuracy: acc }, samples });
      await tracker.finishExperiment();
      await tracker.close();
    }
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('never prints the password of a --db URL (stats names the database without it)', () => {
    const url = new URL(database!.url);
    url.password = 's3cret-pw'; // the test server trusts every connection, whatever the password
    const withPassword = url.toString();
    const json = cli(['stats', '--json', '--db', withPassword]);
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).experiments).toBe(2);
    const text = cli(['stats', '--db', withPassword]);
    expect(text.status, text.stderr).toBe(0);
    expect(JSON.parse(json.stdout).database).toBe(`${url.protocol}//${url.host}${url.pathname}`);
    expect(json.stdout + json.stderr + text.stdout + text.stderr).not.toContain('s3cret-pw');
  });

  it('lists, shows and ranks the runs of a Postgres store', () => {
    const url = database!.url;
    const list = cliJson(['list', '--db', url]);
    expect(list.experiments.map((e: { id: string }) => e.id)).toEqual([...ids].reverse());
    expect(cliJson(['show', ids[0] as string, '--db', url]).metrics[0]).toMatchObject({ key: 'loss', count: 10 });
    const board = cliJson(['leaderboard', '--benchmark', 'gsm8k', '--db', url]);
    expect(board.rows.map((r: { id: string }) => r.id)).toEqual([ids[1], ids[0]]);
    const unknown = cli(['show', 'exp_nope', '--db', url]);
    expect(unknown.status).toBe(1);
  });

  it('reads the schema a ?schema= parameter names, in --db and EXPTRACK_DB, and says which schema an empty list read', async () => {
    const url = database!.url;
    const schema = `cli_schema_${process.pid}`;
    const withSchema = `${url}${url.includes('?') ? '&' : '?'}schema=${schema}`;
    const tracker = new ExperimentTracker({ backends: [new PostgresBackend({ connectionString: url, schema })], captureGit: false, handleProcessEvents: false });
    const id = await tracker.startExperiment({ lr: 0.1 }, { name: 'in-a-schema' });
    await tracker.finishExperiment();
    await tracker.close();
    expect(cliJson(['list', '--db', withSchema]).experiments.map((e: { id: string }) => e.id)).toEqual([id]);
    expect(cliJson(['list'], { env: { EXPTRACK_DB: withSchema } }).experiments.map((e: { id: string }) => e.id)).toEqual([id]);
    expect(cliJson(['show', 'in-a-schema', '--db', withSchema]).experiment.id).toBe(id);
    const emptyStore = new PostgresBackend({ connectionString: url, schema: `${schema}_empty` });
    await emptyStore.init();
    await emptyStore.close();
    const emptySchema = `${url}${url.includes('?') ? '&' : '?'}schema=${schema}_empty`;
    const empty = cli(['list', '--db', emptySchema]);
    expect(empty.status).toBe(0);
    expect(empty.stdout).toMatch(new RegExp(`^no experiments yet in schema "${schema}_empty" of postgres://[^@\\s]+ \\(add \\?schema=NAME to the URL to read another schema\\)\\n$`));
  });

  it('an unreachable server is one line and exit 1', () => {
    const r = cli(['list', '--db', 'postgres://nobody@127.0.0.1:1/none']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^exptrack: cannot open the Postgres database: .*unreachable/);
  });
});
