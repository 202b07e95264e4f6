import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COST_KEYS, type JsonValue, type ReadableBackend, type MetricPoint } from 'exptrack';
import { PostgresBackend } from 'exptrack/postgres';
import { SqliteBackend } from 'exptrack/sqlite';
import { PG_SKIP_REASON, PG_URL, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';

// A run of five ranks on three hosts, each host a UTS namespace of its own (its own hostname) with
// a directory of its own bound on /tmp, as torchrun would start them: RANK, LOCAL_RANK, WORLD_SIZE,
// the run's id in EXPTRACK_EXPERIMENT_ID (the owner, rank 0, starts it), a fake nvidia-smi on
// PATH whose GPU UUIDs follow the hostname. Nothing in the tracker is told the host: it reads
// `os.hostname()` and `os.tmpdir()` as on real machines.
//   hostA: ranks 0 (the owner) and 1, both see both GPUs        -> 2 GPUs, counted once
//   hostB: ranks 2 and 3, CUDA_VISIBLE_DEVICES=LOCAL_RANK         -> 2 GPUs, one per rank
//   hostC: rank 4, CUDA_VISIBLE_DEVICES=0                         -> 1 GPU
const HOSTS = [
  { name: 'hostA', ranks: 2, visible: () => undefined },
  { name: 'hostB', ranks: 2, visible: (local: number) => String(local) },
  { name: 'hostC', ranks: 1, visible: () => '0' },
] as const;
const GPUS: Record<string, number> = { hostA: 2, hostB: 2, hostC: 1 };
const WORLD = HOSTS.reduce((n, h) => n + h.ranks, 0);
const PRICE = 2; // gpu-rank-child.ts prices a GPU-hour at $2
const fakeBin = join(import.meta.dirname, '../fixtures/fake-gpu-bin');
const child = join(import.meta.dirname, '../fixtures/gpu-rank-child.ts');
const hours = (ms: number) => ms / 3_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Hosts share this machine's /tmp, so the store and the signals live outside it.
const root = existsSync('/var/tmp') ? mkdtempSync('/var/tmp/exptrack-hosts-') : undefined;
afterAll(() => (root ? rmSync(root, { recursive: true, force: true }) : undefined));

/** Why hosts cannot be namespaced here, or undefined when they can (root, CAP_SYS_ADMIN, util-linux's unshare). */
function namespaceProblem(): string | undefined {
  if (process.platform !== 'linux') return 'UTS and mount namespaces are Linux only';
  if (!root) return 'no /var/tmp to hold the store outside the hosts\' /tmp';
  const probe = join(root, 'probe');
  mkdirSync(probe);
  const r = spawnSync('unshare', ['--uts', '--mount', '--propagation', 'private', 'sh', '-c', `mount --bind '${probe}' /tmp && hostname exptrack-probe && hostname`], { encoding: 'utf8' });
  if (r.error) return `unshare cannot run (${r.error.message})`;
  if (r.status !== 0 || r.stdout.trim() !== 'exptrack-probe') return `unshare --uts --mount is not allowed (needs root or CAP_SYS_ADMIN): ${r.stderr.trim().split('\n')[0] ?? `exit ${r.status}`}`;
  return undefined;
}
const problem = namespaceProblem();
const pgAvailable = problem === undefined && (await probePostgres());
const schemas: string[] = [];
afterAll(() => (pgAvailable ? dropSchemas(schemas) : undefined));

interface RankResult {
  id: string;
  rank: number;
  owner: boolean;
  host: string;
  tmp: string;
  started: number;
  joined: number;
  finishing: number;
  ended: number;
  errors: string[];
}

/** Starts one rank on its host: a UTS and mount namespace, the host's name, the host's /tmp. */
function startRank(signals: string, store: string[], host: (typeof HOSTS)[number], hostRank: number, localRank: number, rank: number, id: string | undefined) {
  const hostTmp = join(root!, `${host.name}-tmp`);
  mkdirSync(hostTmp, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${fakeBin}${delimiter}${process.env.PATH}`,
    FAKE_NVIDIA_SMI_HOST_UUIDS: '1',
    RANK: String(rank), LOCAL_RANK: String(localRank), WORLD_SIZE: String(WORLD), LOCAL_WORLD_SIZE: String(host.ranks),
    GROUP_RANK: String(hostRank), MASTER_ADDR: 'hostA', MASTER_PORT: '29500',
    HOST_TMP: hostTmp, HOST_NAME: host.name,
  };
  for (const name of ['TMPDIR', 'CUDA_VISIBLE_DEVICES', 'EXPTRACK_EXPERIMENT_ID', 'EXPTRACK_SYSTEM_METRICS', 'EXPTRACK_GPU_HOUR_USD', 'FAKE_NVIDIA_SMI_LOG']) delete env[name];
  const visible = host.visible(localRank);
  if (visible !== undefined) env.CUDA_VISIBLE_DEVICES = visible;
  if (id !== undefined) env.EXPTRACK_EXPERIMENT_ID = id;
  const script = 'mount --bind "$HOST_TMP" /tmp && hostname "$HOST_NAME" && exec "$0" --import tsx "$@"';
  const proc = spawn('unshare', ['--uts', '--mount', '--propagation', 'private', 'sh', '-c', script, process.execPath, child, signals, ...store], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve, reject) => {
    proc.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`rank ${rank} on ${host.name} exited ${code ?? signal}: ${stderr}`))));
  });
  exited.catch(() => {}); // awaited below; a rank that fails early must not be an unhandled rejection
  return { rank, exited, kill: () => proc.kill('SIGKILL') };
}

/** Waits for a file, or for a rank that died first. */
async function waitFor(file: string, ranks: Array<{ exited: Promise<void> }>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let failure: unknown;
  for (const r of ranks) r.exited.catch((e) => (failure ??= e));
  while (!existsSync(file)) {
    if (failure) throw failure;
    if (Date.now() > deadline) throw new Error(`no ${file} within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** Runs the five ranks, finishing them one at a time in `finishOrder`, and reads back the run. */
async function runOnHosts(store: string[], open: () => ReadableBackend, finishOrder: number[]) {
  const signals = mkdtempSync(join(root!, 'signals-'));
  const ranks: Array<ReturnType<typeof startRank>> = [];
  try {
    let rank = 0;
    let id: string | undefined;
    for (const [hostRank, host] of HOSTS.entries()) {
      for (let local = 0; local < host.ranks; local++, rank++) {
        ranks.push(startRank(signals, store, host, hostRank, local, rank, id));
        if (id === undefined) {
          await waitFor(join(signals, 'id'), ranks); // the owner has started the run: the others join it
          id = readFileSync(join(signals, 'id'), 'utf8');
        }
      }
    }
    for (let r = 0; r < WORLD; r++) await waitFor(join(signals, `joined-${r}`), ranks);
    await sleep(1500); // every rank's nvidia-smi has answered and its GPUs are claimed
    for (const r of finishOrder) {
      writeFileSync(join(signals, `finish-${r}`), '');
      await waitFor(join(signals, `done-${r}.json`), ranks);
    }
    await Promise.all(ranks.map((r) => r.exited));
    const results = Array.from({ length: WORLD }, (_, r) => JSON.parse(readFileSync(join(signals, `done-${r}.json`), 'utf8')) as RankResult);
    const backend = open();
    const experiment = (await backend.getExperiment(id!))!;
    const gpuPoints = (await backend.getMetrics(id!)).filter((p) => p.key.startsWith('system/gpu/'));
    await backend.close();
    return { id: id!, results, summary: experiment.summary, gpuPoints };
  } finally {
    for (const r of ranks) r.kill();
  }
}

/** The checks: each host's GPUs counted once, by the ranks sharing them, and the totals. */
function checkRun({ id, results, summary, gpuPoints }: { id: string; results: RankResult[]; summary: Record<string, JsonValue>; gpuPoints: MetricPoint[] }) {
  expect(results.flatMap((r) => r.errors)).toEqual([]);
  let rank = 0;
  for (const host of HOSTS) {
    for (let local = 0; local < host.ranks; local++, rank++) {
      expect(results[rank]).toMatchObject({ id, rank, host: host.name, tmp: '/tmp', owner: rank === 0 }); // the namespace took
    }
  }
  // The GPUs each host's ranks claimed, in that host's own /tmp: UUIDs of that host's fake GPUs.
  const claimed = (host: string) => {
    const dir = join(root!, `${host}-tmp`, 'exptrack-gpus', id);
    return existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')) : [];
  };
  const b = claimed('hostB');
  const c = claimed('hostC');
  expect(b).toHaveLength(2);
  expect(c).toHaveLength(1);
  expect(new Set([...b, ...c]).size).toBe(3); // different hosts, different GPUs
  expect(claimed('hostA')).toEqual([]); // the owner cleared its host's claims when it finished

  // Each GPU's series comes from one rank of its host: the ranks of a host share its GPUs.
  const writers = (index: number) => [...new Set(gpuPoints.filter((p) => p.key === `system/gpu/${index}/utilization_percent`).map((p) => p.rank))].sort();
  const gpu0 = writers(0);
  const gpu1 = writers(1);
  expect(gpu0).toHaveLength(3); // one writer on each host
  expect(gpu0.filter((r) => r <= 1)).toHaveLength(1);
  expect(gpu0.filter((r) => r === 2 || r === 3)).toEqual([2]); // hostB: rank 2 sees only GPU 0
  expect(gpu0).toContain(4);
  expect(gpu1).toHaveLength(2); // hostA and hostB; hostC shows only GPU 0
  expect(gpu1.filter((r) => r <= 1)).toHaveLength(1);
  expect(gpu1).toContain(3); // hostB: rank 3 sees only GPU 1
  expect(gpu1).toEqual(expect.arrayContaining([gpu0.find((r) => r <= 1)])); // on hostA one rank holds both

  let total = 0;
  rank = 0;
  for (const host of HOSTS) {
    const mine = results.slice(rank, rank + host.ranks);
    rank += host.ranks;
    const part = summary[`compute/host/${host.name}/gpu_hours`] as number;
    expect(summary[`compute/host/${host.name}/gpu_count`]).toBe(GPUS[host.name]);
    // The host's reporter was active at least while every rank of the host was, at most from its start to its end.
    const lower = GPUS[host.name]! * hours(Math.min(...mine.map((r) => r.finishing - r.joined)));
    const upper = GPUS[host.name]! * hours(Math.max(...mine.map((r) => r.ended - r.started)));
    expect(part).toBeGreaterThanOrEqual(lower);
    expect(part).toBeLessThanOrEqual(upper);
    expect(summary[`compute/host/${host.name}/compute_usd`]).toBeCloseTo(PRICE * part, 12);
    total += part;
  }
  expect(Object.keys(summary).filter((k) => k.startsWith('compute/host/')).sort()).toEqual(
    HOSTS.flatMap((h) => ['compute_usd', 'gpu_count', 'gpu_hours'].map((k) => `compute/host/${h.name}/${k}`)).sort(),
  );
  expect(summary[COST_KEYS.gpuCount]).toBe(5);
  expect(summary[COST_KEYS.gpuHours]).toBeCloseTo(total, 12);
  expect(summary[COST_KEYS.computeUsd]).toBeCloseTo(PRICE * total, 12);
  expect(summary[COST_KEYS.usd]).toBeCloseTo(PRICE * total, 12);
  expect(summary[COST_KEYS.gpuName]).toBe('NVIDIA A100-SXM4-80GB');
}

const OWNER_LAST = [4, 3, 2, 1, 0];
const OWNER_FIRST = [0, 1, 2, 3, 4];

describe.skipIf(problem !== undefined)(
  problem === undefined ? 'GPU-hours of ranks on three hosts (UTS namespaces), one SQLite file' : `GPU-hours of ranks on three hosts, one SQLite file (skipped: ${problem})`,
  { timeout: 240_000 },
  () => {
    for (const [order, finishOrder] of [['the owner finishes last', OWNER_LAST], ['the owner finishes first', OWNER_FIRST]] as const) {
      it(`counts each host's GPUs once and sums the hosts (${order})`, async () => {
        const path = join(mkdtempSync(join(root!, 'sqlite-')), 'runs.db');
        checkRun(await runOnHosts(['sqlite', path, '0'], () => new SqliteBackend({ path }), finishOrder));
      });
    }
  },
);

describe.skipIf(!pgAvailable)(
  pgAvailable
    ? 'GPU-hours of ranks on three hosts (UTS namespaces), one Postgres database'
    : `GPU-hours of ranks on three hosts, one Postgres database (skipped: ${problem ?? PG_SKIP_REASON})`,
  { timeout: 240_000 },
  () => {
    it("counts each host's GPUs once and sums the hosts (the owner finishes first)", async () => {
      const schema = freshName();
      schemas.push(schema);
      checkRun(await runOnHosts(['postgres', PG_URL, schema, '0'], () => new PostgresBackend({ connectionString: PG_URL, schema }), OWNER_FIRST));
    });
  },
);
