/**
 * Artifact throughput: `tracker.logArtifact` of one 1 GiB file (hashed, then copied into the blob
 * store with the copy's digest checked) into the SQLite store's blob directory and into an
 * S3-protocol server (s3rver on 127.0.0.1, in this process, through a Postgres store's S3 blob
 * store), and through `HttpBackend` to a tracking server (`exptrack server` over a SQLite store, a
 * process of its own). Each case runs in a child process of its own (`children/log-artifact.mjs`, plain `node`
 * on the built `dist/`, as a user's program runs), so that its peak RSS is its own; it logs a small
 * file first, unmeasured (loading modules happens once per process).
 *
 * Next to each case, the same work done by the system's tools on the same file: `openssl dgst
 * -sha256` (the digest), `cp` then `sync` of the copy (the copy, flushed), and `sha256sum`. The
 * local case does a digest, a copy and a digest of the copy, so the tools' pace for that work is
 * 1 GiB / (2 × openssl + cp&sync); the bench prints which fraction of it logArtifact reaches.
 * Every line carries the 1-minute load average (the machine is shared: wall time depends on it,
 * MB per CPU-second much less).
 *
 * Targets: >= 200 MB/s into the local store; peak RSS < 200 MB in every case. Prints HOLDS or
 * MISSED for each.
 *
 * Run: `npm run build && npm run bench -- artifacts` (or `npx tsx bench/artifacts.ts [MiB]`,
 * default 1024). The S3 case needs a Postgres server at EXPTRACK_TEST_PG_URL (or
 * postgres://postgres@127.0.0.1:5432/postgres) and is skipped without one.
 * @module
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const TARGET_MB_PER_S = 200;
const TARGET_RSS_MB = 200;
const KINDS = ['sqlite', 's3', 'http'] as const;
const LABELS: Record<(typeof KINDS)[number], string> = {
  sqlite: 'sqlite (blob directory)',
  s3: 's3 (s3rver, 127.0.0.1)',
  http: 'http (exptrack server, 127.0.0.1)',
};
const root = join(import.meta.dirname, '..');

interface CaseResult {
  bytes: number;
  seconds: number;
  /** User + system CPU seconds of the logging process, all threads (the S3 server runs in the parent, not counted). */
  cpuSeconds: number;
  /** RSS just before the measured `logArtifact` (the runtime, the drivers): the growth is the copy's. */
  rssBeforeMb: number;
  peakRssMb: number;
  loadBefore: number;
  loadAfter: number;
}

interface ToolResult {
  seconds: number;
  /** CPU seconds of the tool's processes (from this process's children times), or undefined off Linux. */
  cpuSeconds: number | undefined;
  load: number;
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

/** The user + system CPU seconds of this process's waited-for children (Linux: /proc/self/stat). */
function childrenCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** Runs a system tool to the end; undefined when it is not installed or fails. */
function tool(command: string, args: string[]): ToolResult | undefined {
  const load = loadavg()[0]!;
  const cpuBefore = childrenCpuSeconds();
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: 'ignore' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = childrenCpuSeconds();
  if (result.status !== 0) return undefined;
  return { seconds, cpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore, load };
}

function runChild(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', () => resolve({ stdout, stderr }));
  });
}

/** The newest modification time of the files under a directory. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

const mbps = (bytes: number, seconds: number) => bytes / 1e6 / seconds;
const verdict = (holds: boolean) => (holds ? 'HOLDS' : 'MISSED');
const cpuText = (cpu: number | undefined) => (cpu === undefined ? '   n/a' : `${cpu.toFixed(2).padStart(6)}`);

async function main(): Promise<void> {
  const built = join(root, 'dist', 'index.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newestMtime(join(root, 'src'))) {
    console.log('dist/ is missing or older than src/: run `npm run build` first (the cases run on the built package, as users run it)');
    process.exitCode = 1;
    return;
  }
  const mib = Number(process.argv[2] ?? 1024);
  const dir = mkdtempSync(join(tmpdir(), 'exptrack-bench-artifacts-'));
  const file = join(dir, 'big.bin');
  const { default: S3rver } = await import('s3rver');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 's3'), configureBuckets: [{ name: 'bench', configs: [] }] });
  const tracking = spawn(process.execPath, [join(root, 'dist', 'cli', 'bin.js'), 'server', '--db', join(dir, 'server.db'), '--port', '0', '--quiet'], { stdio: ['ignore', 'inherit', 'pipe'] });
  try {
    const trackingUrl = await new Promise<string>((resolve, reject) => {
      let said = '';
      // It says where it listens on stderr.
      tracking.stderr.setEncoding('utf8').on('data', (d: string) => {
        said += d;
        const url = /http:\/\/127\.0\.0\.1:\d+/.exec(said)?.[0];
        if (url) resolve(url);
      });
      tracking.once('exit', (code) => reject(new Error(`exptrack server exited (${code}) before it listened`)));
    });
    generate(file, mib);
    const bytes = mib * 2 ** 20;
    const { port } = await server.run();
    console.log(`file: ${mib} MiB (${(bytes / 1e6).toFixed(0)} MB); ${readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? '?'} CPUs; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    // The system's tools on the same file: the machine's limits for the same work.
    const copy = join(dir, 'copy.bin');
    const tools: Array<[string, ToolResult | undefined]> = [
      ['openssl dgst -sha256', tool('openssl', ['dgst', '-sha256', file])],
      ['sha256sum', tool('sha256sum', [file])],
      ['cp, then sync the copy', tool('sh', ['-c', 'cp "$1" "$2" && sync "$2"', 'sh', file, copy])],
    ];
    rmSync(copy, { force: true });
    console.log('\nsystem tools on the same file          time      MB/s   CPU s   load');
    for (const [label, result] of tools) {
      console.log(result === undefined ? `${label.padEnd(36)} not available` : `${label.padEnd(36)} ${result.seconds.toFixed(2).padStart(6)} s ${mbps(bytes, result.seconds).toFixed(0).padStart(6)}  ${cpuText(result.cpuSeconds)}  ${result.load.toFixed(1).padStart(5)}`);
    }
    const digestTool = tools[0]![1] ?? tools[1]![1];
    const copyTool = tools[2]![1];
    const toolPace = digestTool && copyTool ? mbps(bytes, 2 * digestTool.seconds + copyTool.seconds) : undefined;
    if (toolPace !== undefined) console.log(`the same work as logArtifact into a directory (digest, copy & sync, digest of the copy) by these tools: ${toolPace.toFixed(0)} MB/s`);

    console.log(`\nlogArtifact (node ${process.version}, dist/)   time      MB/s   CPU s  MB/CPU-s  RSS before → peak   load start → end`);
    const results: Record<string, CaseResult | string> = {};
    for (const kind of KINDS) {
      // Asynchronously: the S3 server answers from this process's event loop meanwhile.
      const child = await runChild([join(import.meta.dirname, 'children', 'log-artifact.mjs'), kind, file, dir, JSON.stringify({ endpoint: `http://127.0.0.1:${port}`, bucket: 'bench', trackingUrl })]);
      const line = child.stdout.trim().split('\n').at(-1) ?? '';
      let result: CaseResult | string;
      try {
        result = JSON.parse(line) as CaseResult | string;
      } catch {
        result = `failed: ${child.stderr.trim().split('\n').slice(-3).join(' ')}`;
      }
      results[kind] = result;
      const label = LABELS[kind];
      if (typeof result === 'string') {
        console.log(`${label.padEnd(36)} ${result}`);
        continue;
      }
      console.log(
        `${label.padEnd(36)} ${result.seconds.toFixed(2).padStart(6)} s ${mbps(result.bytes, result.seconds).toFixed(0).padStart(6)}  ${cpuText(result.cpuSeconds)}  ${(result.bytes / 1e6 / result.cpuSeconds).toFixed(0).padStart(8)}  ${result.rssBeforeMb.toFixed(0).padStart(4)} → ${result.peakRssMb.toFixed(0).padStart(4)} MB   ${result.loadBefore.toFixed(1).padStart(5)} → ${result.loadAfter.toFixed(1)}`,
      );
    }

    console.log('');
    const local = results.sqlite;
    if (typeof local === 'object') {
      const pace = mbps(local.bytes, local.seconds);
      console.log(`${verdict(pace >= TARGET_MB_PER_S)}: logArtifact into the local store at ${pace.toFixed(0)} MB/s (target >= ${TARGET_MB_PER_S} MB/s; load ${local.loadBefore.toFixed(1)} → ${local.loadAfter.toFixed(1)} on 2 cores)${toolPace === undefined ? '' : `, ${((100 * pace) / toolPace).toFixed(0)} % of the system tools' pace for the same work`}`);
    } else {
      console.log(`MISSED: logArtifact into the local store did not run (${local})`);
    }
    for (const kind of KINDS) {
      const result = results[kind];
      if (typeof result === 'object') console.log(`${verdict(result.peakRssMb < TARGET_RSS_MB)}: peak RSS of the ${kind} case ${result.peakRssMb.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB)`);
      else console.log(`${kind} case: ${result}`);
    }
    console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    tracking.kill('SIGTERM');
    await server.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
