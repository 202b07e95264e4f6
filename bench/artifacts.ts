/**
 * Artifact throughput: `tracker.logArtifact` of one 1 GiB file (hashed, then streamed into the
 * blob store with its digest checked on the way) into the SQLite store's blob directory and into an
 * S3-protocol server (s3rver on 127.0.0.1, through a Postgres store's S3 blob store). Each case runs
 * in a child process of its own so that its peak RSS is its own. The file is generated here and
 * deleted afterwards. Prints MB/s, the logging process's CPU time (MB per CPU-second is the figure
 * to trust on a loaded machine; wall time includes waiting for the disk's fsync and, for S3, for the
 * server, which runs in the parent process) and peak RSS next to the RSS before the copy; asserts
 * nothing. Targets: >= 200 MB/s local, RSS < 200 MB.
 *
 * Run: `npx tsx bench/artifacts.ts [MiB]` (default 1024). The S3 case needs a Postgres server at
 * EXPTRACK_TEST_PG_URL (or postgres://postgres@127.0.0.1:5432/postgres) and is skipped without one.
 * @module
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExperimentTracker, type Backend } from '../src/index.js';

interface CaseResult {
  store: string;
  seconds: number;
  mbPerSecond: number;
  peakRssMb: number;
  /** User + system CPU seconds of the logging process (the S3 server runs in the parent, not counted). */
  cpuSeconds: number;
  /** RSS just before `logArtifact` (the runtime, the compiler, the drivers): the growth is the copy's. */
  rssBeforeMb: number;
}

async function runCase(kind: string, file: string, dir: string, s3: string | undefined): Promise<CaseResult | string> {
  let backend: Backend;
  if (kind === 'sqlite') {
    const { SqliteBackend } = await import('../src/entries/sqlite.js');
    backend = new SqliteBackend({ path: join(dir, 'bench.db') });
  } else {
    const { PostgresBackend } = await import('../src/entries/postgres.js');
    const { endpoint, bucket } = JSON.parse(s3!) as { endpoint: string; bucket: string };
    const url = process.env.EXPTRACK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    backend = new PostgresBackend({ connectionString: url, schema: `bench_artifacts_${process.pid}`, artifacts: { s3: { endpoint, bucket, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } } });
    try {
      await backend.init();
    } catch (error) {
      return `skipped: no Postgres (${(error as Error).message})`;
    }
  }
  const tracker = new ExperimentTracker({ backends: [backend], captureGit: false, captureEnvironment: false, handleProcessEvents: false, strict: true, backendTimeoutMs: 600_000 });
  await tracker.startExperiment({ bench: 'artifacts' });
  const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const logged = await tracker.logArtifact(file, { name: 'big' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await tracker.close();
  if (kind === 's3') {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: process.env.EXPTRACK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS bench_artifacts_${process.pid} CASCADE`);
    await client.end();
  }
  const size = logged?.size ?? 0;
  return { store: kind === 'sqlite' ? 'sqlite (blob directory)' : 's3 (s3rver, 127.0.0.1)', seconds, mbPerSecond: size / 1e6 / seconds, cpuSeconds, rssBeforeMb, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

/** Writes `mib` MiB of pseudo-random bytes without holding more than 1 MiB. */
function generate(path: string, mib: number): void {
  const block = randomBytes(1024 * 1024);
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < mib; i++) {
      block.writeUInt32LE(i, 0); // no two blocks alike
      writeSync(fd, block);
    }
  } finally {
    closeSync(fd);
  }
}

function runChild(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', () => resolve({ stdout, stderr }));
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === '--case') {
    const [, , , kind, file, dir, s3] = process.argv;
    console.log(JSON.stringify(await runCase(kind!, file!, dir!, s3)));
    return;
  }
  const mib = Number(process.argv[2] ?? 1024);
  const dir = mkdtempSync(join(tmpdir(), 'exptrack-bench-artifacts-'));
  const file = join(dir, 'big.bin');
  const { default: S3rver } = await import('s3rver');
  const s3dir = join(dir, 's3');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: 'bench', configs: [] }] });
  try {
    generate(file, mib);
    const { port } = await server.run();
    console.log(`file: ${mib} MiB; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const rows: string[] = [];
    for (const kind of ['sqlite', 's3']) {
      // Asynchronously: the S3 server answers from this process's event loop meanwhile.
      const child = await runChild([import.meta.filename, '--case', kind, file, dir, JSON.stringify({ endpoint: `http://127.0.0.1:${port}`, bucket: 'bench' })]);
      const line = child.stdout.trim().split('\n').at(-1) ?? '';
      let result: CaseResult | string;
      try {
        result = JSON.parse(line) as CaseResult | string;
      } catch {
        result = `failed: ${child.stderr.trim().split('\n').slice(-3).join(' ')}`;
      }
      rows.push(
        typeof result === 'string'
          ? `${kind.padEnd(26)} ${result}`
          : `${result.store.padEnd(26)} ${result.mbPerSecond.toFixed(0).padStart(6)} MB/s  ${result.seconds.toFixed(2).padStart(7)} s  CPU ${result.cpuSeconds.toFixed(2).padStart(6)} s (${(Number(result.mbPerSecond * result.seconds) / result.cpuSeconds).toFixed(0).padStart(5)} MB/CPU-s)  peak RSS ${result.peakRssMb.toFixed(0).padStart(4)} MB (${result.rssBeforeMb.toFixed(0)} MB before the copy)`,
      );
    }
    console.log(`${'store'.padEnd(26)} ${'throughput'.padStart(11)}  ${'time'.padStart(9)}  ${'CPU time of the logging process'.padEnd(38)}  peak RSS (target: >= 200 MB/s local, < 200 MB)`);
    for (const row of rows) console.log(row);
    console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await server.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
