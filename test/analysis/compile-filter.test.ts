import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExptrackError, type FilterExpression } from 'exptrack';
import { parseFilter } from 'exptrack/analysis';
import { compileFilter, compileFilterToKysely } from '../../src/backends/sql/compile-filter.js';
import { matchesFilter } from '../../src/core/filter-match.js';
import { makeRuns, prng, randomFilter, type FixtureRun } from './filter-fixtures.js';

// The minimal schema the compiler reads; JSON encodes non-finite metrics as "NaN"/"Infinity"/"-Infinity".
const encodeMetrics = (metrics: Record<string, number>) =>
  JSON.stringify(Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, Number.isFinite(v) ? v : String(v)])));

const runs = makeRuns(prng(20261127), 80);

function expectedIds(filter: FilterExpression): string[] {
  return runs
    .filter((run) => matchesFilter(filter, {
      experiment: run.experiment,
      evaluations: new Map(run.evaluations.map((ev) => [ev.benchmark, ev.metrics])),
      lastMetrics: run.lastMetrics,
    }))
    .map((run) => run.experiment.id)
    .sort();
}

/** Evaluations are written in a shuffled order across runs, but in order within a run. */
function evaluationRows(all: FixtureRun[]): { experimentId: string; benchmark: string; metrics: Record<string, number>; createdAt: number }[] {
  const random = prng(7);
  const rows = all.flatMap((run) => run.evaluations.map((ev, k) => ({ experimentId: run.experiment.id, ...ev, createdAt: 2_000_000 - k })));
  const byRun = new Map<string, typeof rows>();
  for (const row of rows) byRun.set(row.experimentId, [...(byRun.get(row.experimentId) ?? []), row]);
  const queues = [...byRun.values()];
  const out: typeof rows = [];
  while (queues.some((q) => q.length > 0)) {
    const open = queues.filter((q) => q.length > 0);
    out.push((open[Math.floor(random() * open.length)] as typeof rows).shift() as (typeof rows)[number]);
  }
  return out;
}

describe('compileFilter against SQLite, cross-checked with matchesFilter', () => {
  const db = new Database(':memory:');
  beforeAll(() => {
    db.exec(`
      CREATE TABLE experiments (id TEXT PRIMARY KEY, name TEXT NOT NULL, notes TEXT NOT NULL, group_name TEXT, status TEXT NOT NULL,
        created_at INTEGER NOT NULL, config TEXT NOT NULL, tags TEXT NOT NULL, git_commit TEXT, summary TEXT NOT NULL);
      CREATE TABLE evaluations (id INTEGER PRIMARY KEY, experiment_id TEXT NOT NULL, benchmark TEXT NOT NULL, metrics TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE metric_series (id INTEGER PRIMARY KEY, experiment_id TEXT NOT NULL, key TEXT NOT NULL, last_value REAL);
    `);
    const insert = db.prepare('INSERT INTO experiments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const insertSeries = db.prepare('INSERT INTO metric_series (experiment_id, key, last_value) VALUES (?, ?, ?)');
    for (const { experiment: e, lastMetrics } of runs) {
      insert.run(e.id, e.name, e.notes, e.group, e.status, e.createdAt, JSON.stringify(e.config), JSON.stringify(e.tags), e.git?.commit ?? null, JSON.stringify(e.summary));
      for (const [key, value] of lastMetrics) insertSeries.run(e.id, key, Number.isNaN(value) ? null : value);
    }
    const insertEvaluation = db.prepare('INSERT INTO evaluations (experiment_id, benchmark, metrics, created_at) VALUES (?, ?, ?, ?)');
    for (const row of evaluationRows(runs)) insertEvaluation.run(row.experimentId, row.benchmark, encodeMetrics(row.metrics), row.createdAt);
  });
  afterAll(() => db.close());

  const select = (filter: FilterExpression): string[] => {
    const { sql, parameters } = compileFilter(filter, 'sqlite');
    return (db.prepare(`SELECT e.id FROM experiments e WHERE ${sql} ORDER BY e.id`).all(...parameters) as { id: string }[]).map((r) => r.id);
  };

  it('selects the same experiments as matchesFilter for 3,000 generated filters', () => {
    const random = prng(42);
    let nonTrivial = 0;
    for (let i = 0; i < 3000; i++) {
      const filter = randomFilter(random, 3, true);
      const expected = expectedIds(filter);
      if (expected.length > 0 && expected.length < runs.length) nonTrivial += 1;
      expect(select(filter), JSON.stringify(filter)).toEqual(expected);
    }
    // The generator must exercise the data: most filters split the runs.
    expect(nonTrivial).toBeGreaterThan(1000);
  });

  it('agrees on hand-written filters with known answers', () => {
    const cases = [
      'params.lr < 1e-3',
      'params.opt.name = "adam" and not params.opt.beta exists',
      'params.opt.beta = null',
      'params.flag = true or params.flag = "true"',
      'params.arr exists',
      'params.arr.0 exists',
      'params.nested.a.b >= 1',
      'params.`q"k` = "x"',
      'params.`0` = 7',
      'tags.stage like "S%" and tags.`a.b` != "x"',
      'metrics.gsm8k.accuracy >= 0.7',
      'metrics.gsm8k.accuracy != 0.5',
      'metrics.mmlu.accuracy > 1',
      'metrics.mmlu.accuracy in (0.5, 0.7)',
      'metrics.loss not in (2)',
      'metrics.`train/acc` < 1',
      'group not exists',
      'created >= "2026-01-01"',
      'commit = "' + 'a'.repeat(40) + '"',
      'name like "a\\_b%"',
      'status in ("failed", "killed") or notes like "%sweep"',
    ];
    for (const text of cases) {
      const filter = parseFilter(text);
      expect(select(filter), text).toEqual(expectedIds(filter));
    }
    expect(select(parseFilter('metrics.gsm8k.accuracy > 1e308')).length).toBeGreaterThan(0);
  });

  it('reads a param string in number form as its number against a number literal (MLflow params)', () => {
    const seeds = (filter: string) => runs.filter((run) => expectedIds(parseFilter(filter)).includes(run.experiment.id)).map((run) => run.experiment.config.seed);
    // Number text compares as a number; other strings ('01', ' 1', '1.', 'NaN', exponents past two digits) never do.
    expect(new Set(seeds('params.seed < 0.5'))).toEqual(new Set(['1e-05', '-0.5', '0.30000000000000004']));
    expect(new Set(seeds('params.seed >= 42'))).toEqual(new Set(['42', 42, '1E+2']));
    expect(new Set(seeds('params.seed in (42, 0.30000000000000004)'))).toEqual(new Set(['42', 42, '0.30000000000000004']));
    // A string literal still compares as text, and a text comparison still sees number text.
    expect(new Set(seeds('params.seed = "42"'))).toEqual(new Set(['42']));
    expect(new Set(seeds('params.seed like "1e%"'))).toEqual(new Set(['1e-05', '1e999', '1e-400', '1E+2']));
    for (const text of ['params.seed < 0.5', 'params.seed >= 42', 'params.seed != 42', 'params.seed in (42, 1e-5)', 'not params.seed > -1']) {
      expect(select(parseFilter(text)), text).toEqual(expectedIds(parseFilter(text)));
    }
  });

  it('never writes a filter value into the SQL text', () => {
    const filter = parseFilter(`params.\`x'); DROP TABLE experiments; --\` = "'; DROP TABLE experiments; --" or tags.\`a"b\` like "%'%" or metrics.\`b'c\`.\`d'e\` > 1`);
    const { sql, parameters } = compileFilter(filter, 'sqlite');
    expect(sql).not.toContain('DROP');
    expect(sql).not.toMatch(/'[^']*'[^']*DROP/);
    expect(parameters).toContain("'; DROP TABLE experiments; --");
    expect(select(filter)).toEqual(expectedIds(filter));
    expect(db.prepare('SELECT count(*) AS n FROM experiments').get()).toEqual({ n: runs.length });
  });

  it('rejects an alias that is not an identifier', () => {
    expect(() => compileFilter(parseFilter('id = "x"'), 'sqlite', { alias: 'e; DROP' })).toThrow(ExptrackError);
  });

  it('builds a Kysely expression with the same result', async () => {
    const { Kysely, SqliteDialect } = await import('kysely');
    const kdb = new Kysely<Record<string, Record<string, unknown>>>({ dialect: new SqliteDialect({ database: db }) });
    const filter = parseFilter('params.lr <= 0.001 and tags.stage in ("sft", "rl") or metrics.gsm8k.accuracy > 0.6');
    const rows = await kdb.selectFrom('experiments as e').select('e.id').where(compileFilterToKysely(filter, 'sqlite')).orderBy('e.id').execute();
    expect(rows.map((r) => r.id)).toEqual(expectedIds(filter));
  });
});

const pgUrl = process.env.EXPTRACK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
let pgClient: pg.Client | undefined;
let pgSkipReason = '';
try {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 2000 });
  await client.connect();
  pgClient = client;
} catch (error) {
  pgSkipReason = `no PostgreSQL answers at ${pgUrl.replace(/:[^:@/]*@/, '@')} (${(error as Error).message}); set EXPTRACK_TEST_PG_URL`;
}

describe.skipIf(pgClient === undefined)(`compileFilter against Postgres, cross-checked with matchesFilter${pgSkipReason ? ` — skipped: ${pgSkipReason}` : ''}`, () => {
  const client = pgClient as pg.Client;
  beforeAll(async () => {
    await client.query(`
      CREATE TEMP TABLE experiments (id TEXT PRIMARY KEY, name TEXT NOT NULL, notes TEXT NOT NULL, group_name TEXT, status TEXT NOT NULL,
        created_at BIGINT NOT NULL, config JSONB NOT NULL, tags JSONB NOT NULL, git_commit TEXT, summary JSONB NOT NULL);
      CREATE TEMP TABLE evaluations (id SERIAL PRIMARY KEY, experiment_id TEXT NOT NULL, benchmark TEXT NOT NULL, metrics JSONB NOT NULL, created_at BIGINT NOT NULL);
      CREATE TEMP TABLE metric_series (id SERIAL PRIMARY KEY, experiment_id TEXT NOT NULL, key TEXT NOT NULL, last_value DOUBLE PRECISION);
    `);
    for (const { experiment: e, lastMetrics } of runs) {
      await client.query('INSERT INTO experiments VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
        e.id, e.name, e.notes, e.group, e.status, e.createdAt, JSON.stringify(e.config), JSON.stringify(e.tags), e.git?.commit ?? null, JSON.stringify(e.summary),
      ]);
      for (const [key, value] of lastMetrics) {
        await client.query('INSERT INTO metric_series (experiment_id, key, last_value) VALUES ($1, $2, $3)', [e.id, key, Number.isNaN(value) ? null : value]);
      }
    }
    for (const row of evaluationRows(runs)) {
      await client.query('INSERT INTO evaluations (experiment_id, benchmark, metrics, created_at) VALUES ($1, $2, $3, $4)', [row.experimentId, row.benchmark, encodeMetrics(row.metrics), row.createdAt]);
    }
  });
  afterAll(async () => {
    await client.end();
  });

  const select = async (filter: FilterExpression, offset = 0): Promise<string[]> => {
    const { sql, parameters } = compileFilter(filter, 'postgres', { parameterOffset: offset });
    const leading = Array.from({ length: offset }, (_, i) => `$${i + 1}::int = ${i + 1}`);
    const where = [...leading, `(${sql})`].join(' AND ');
    const result = await client.query(`SELECT e.id FROM experiments e WHERE ${where} ORDER BY e.id COLLATE "C"`, [...Array.from({ length: offset }, (_, i) => i + 1), ...parameters]);
    return result.rows.map((r: { id: string }) => r.id);
  };

  it('selects the same experiments as matchesFilter for 1,500 generated filters', async () => {
    const random = prng(4242);
    for (let i = 0; i < 1500; i++) {
      const filter = randomFilter(random, 3, true);
      expect(await select(filter, i % 3), JSON.stringify(filter)).toEqual(expectedIds(filter));
    }
  });

  it('agrees with a stored NaN last value (Postgres can hold one)', async () => {
    await client.query("UPDATE metric_series SET last_value = 'NaN'::float8 WHERE last_value IS NULL");
    const random = prng(99);
    for (let i = 0; i < 200; i++) {
      const field = { scope: 'metrics' as const, benchmark: null, metric: 'loss' };
      const filter: FilterExpression = { kind: 'compare', field, op: random() < 0.5 ? '!=' : '>', value: random() < 0.5 ? 0.5 : 1e9 };
      expect(await select(filter)).toEqual(expectedIds(filter));
    }
  });
});
