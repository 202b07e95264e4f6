import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { COST_KEYS, ExperimentTracker, type ExptrackError } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { SqliteBackend } from 'exptrack/sqlite';
import { DefaultSystemSampler, parseNvidiaSmiLine, visibleGpus, type GpuReading } from '../../src/system/index.js';
import { gpuPrice } from '../../src/tracker/run-cost.js';

const fakeBin = join(import.meta.dirname, '../fixtures/fake-gpu-bin');
const fake = join(fakeBin, 'nvidia-smi');
const QUERY = '--query-gpu=index,uuid,name,utilization.gpu,memory.used,power.draw,temperature.gpu';
const SERIES = ['cpu_percent', 'memory_rss_mb'].map((k) => `system/${k}`);
const GPU_SERIES = (i: number) => ['utilization_percent', 'memory_used_mb', 'power_watts', 'temperature_c'].map((k) => `system/gpu/${i}/${k}`);

const lines = (format: string) => spawnSync(fake, [QUERY, `--format=${format}`], { encoding: 'utf8' }).stdout.trim().split('\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gpuPoints = async (store: MemoryBackend, id: string) => (await store.getMetrics(id)).filter((p) => p.key.startsWith('system/gpu/')).length;
/** Waits at least `ms`, and on until the store holds more than `before` GPU points of the run (a loaded machine answers late). */
async function sleepUntilGpuSampled(store: MemoryBackend, id: string, ms: number, before = 0): Promise<void> {
  await sleep(ms);
  for (let waited = 0; waited < 10_000 && (await gpuPoints(store, id)) <= before; waited += 50) await sleep(50);
}

let savedEnv: NodeJS.ProcessEnv;
beforeEach(() => {
  savedEnv = { ...process.env };
  delete process.env.CUDA_VISIBLE_DEVICES;
  delete process.env.EXPTRACK_SYSTEM_METRICS;
  delete process.env.EXPTRACK_GPU_HOUR_USD;
  process.env.FAKE_NVIDIA_SMI_LOG = join(mkdtempSync(join(tmpdir(), 'exptrack-smi-')), 'calls.log');
});
afterEach(() => {
  process.env = savedEnv;
  vi.useRealTimers();
});
const withFakeOnPath = () => (process.env.PATH = `${fakeBin}${delimiter}${process.env.PATH}`);

describe('nvidia-smi output', () => {
  it('reads the two GPUs with and without the header and the units', () => {
    for (const format of ['csv', 'csv,noheader', 'csv,nounits', 'csv,noheader,nounits']) {
      const readings = lines(format).map(parseNvidiaSmiLine).filter((r) => r !== undefined);
      expect(readings, format).toEqual([
        { index: 0, uuid: 'GPU-0c4f2a10-8a1e-4c1d-9a57-6b5e3f1d2c01', name: 'NVIDIA A100-SXM4-80GB', utilizationPercent: 87, memoryUsedMb: 40536, powerWatts: 312.45, temperatureC: 64 },
        { index: 1, uuid: 'GPU-7d2e9b33-1f0c-4e6a-8b21-0a9c4d5e6f02', name: 'NVIDIA A100-SXM4-80GB', utilizationPercent: 91, memoryUsedMb: 40210, powerWatts: 298.1, temperatureC: 61 },
      ]);
    }
    expect(lines('csv')[0]!.startsWith('index,')).toBe(true); // the header was there, and skipped
  });

  it('keeps a GPU whose power is not reported, with that value missing, and refuses malformed lines', () => {
    expect(parseNvidiaSmiLine('0, GPU-1, Tesla T4, 5 %, 300 MiB, [N/A], 40')?.powerWatts).toBeNaN();
    expect(parseNvidiaSmiLine('not, a, gpu')).toBeUndefined();
    expect(parseNvidiaSmiLine(`0, GPU-1, ${'x'.repeat(2000)}, 1, 1, 1, 1`)).toBeUndefined();
  });

  it('picks the GPUs of CUDA_VISIBLE_DEVICES by index or UUID prefix, and none for an empty list or -1', () => {
    const gpus = lines('csv,noheader,nounits').map((l) => parseNvidiaSmiLine(l)!) as GpuReading[];
    expect(visibleGpus(gpus, undefined).map((g) => g.index)).toEqual([0, 1]);
    expect(visibleGpus(gpus, '1').map((g) => g.index)).toEqual([1]);
    expect(visibleGpus(gpus, 'GPU-7d2e,0').map((g) => g.index)).toEqual([1, 0]);
    expect(visibleGpus(gpus, '7d2e9b33').map((g) => g.index)).toEqual([1]);
    expect(visibleGpus(gpus, '')).toEqual([]);
    expect(visibleGpus(gpus, '-1,0')).toEqual([]);
    expect(visibleGpus(gpus, '0,5,1').map((g) => g.index)).toEqual([0]); // CUDA stops at the first bad entry
  });
});

describe('system metrics of a tracked run', { timeout: 20_000 }, () => {
  it('logs the six series from one nvidia-smi in loop mode, and the compute and dollars at finish', async () => {
    withFakeOnPath();
    const store = new MemoryBackend();
    const errors: ExptrackError[] = [];
    const tracker = new ExperimentTracker({ backends: [store], captureGit: false, systemMetrics: { intervalMs: 100 }, pricing: { gpuHourUsd: 2.5 }, onError: (e) => errors.push(e) });
    const id = await tracker.startExperiment({ lr: 0.1 });
    for (let step = 0; step < 5; step++) {
      tracker.logMetrics({ loss: 1 / (step + 1) }, step);
      await sleep(150);
    }
    await tracker.logEvaluation('qa', { metrics: { accuracy: 0.5, prompt_tokens: 1200, completion_tokens: 300, cost_usd: 0.04 } });
    await tracker.logEvaluation('qa2', { metrics: { accuracy: 0.7, prompt_tokens: 800, cost_usd: 0.01 } });
    await tracker.close();
    expect(errors).toEqual([]);

    const keys = new Set((await store.getMetrics(id)).map((p) => p.key));
    for (const key of [...SERIES, ...GPU_SERIES(0), ...GPU_SERIES(1)]) expect(keys, key).toContain(key);
    const util = (await store.getMetrics(id, 'system/gpu/1/utilization_percent')).map((p) => p.value);
    expect(util.length).toBeGreaterThanOrEqual(2);
    expect(new Set(util)).toEqual(new Set([91]));
    const rss = (await store.getMetrics(id, 'system/memory_rss_mb'))[0]!.value;
    expect(rss).toBeGreaterThan(10);
    expect(rss).toBeLessThan(64 * 1024);

    const calls = readFileSync(process.env.FAKE_NVIDIA_SMI_LOG!, 'utf8').trim().split('\n');
    expect(calls).toEqual([`${QUERY} --format=csv,noheader,nounits -lms 100`]); // one child, not one per sample

    const experiment = await store.getExperiment(id);
    const s = experiment!.summary;
    const wall = s[COST_KEYS.wallHours] as number;
    expect(wall).toBeGreaterThan(0.5 / 3600);
    expect(wall).toBeLessThan((experiment!.endedAt! - experiment!.createdAt + 100) / 3_600_000);
    expect(s[COST_KEYS.gpuCount]).toBe(2);
    expect(s[COST_KEYS.gpuName]).toBe('NVIDIA A100-SXM4-80GB');
    expect(s[COST_KEYS.gpuHours]).toBeCloseTo(2 * wall, 12);
    expect(s[COST_KEYS.computeUsd]).toBeCloseTo(2.5 * 2 * wall, 12);
    expect(s[COST_KEYS.promptTokens]).toBe(2000);
    expect(s[COST_KEYS.completionTokens]).toBe(300);
    expect(s[COST_KEYS.evalUsd]).toBeCloseTo(0.05, 12);
    expect(s[COST_KEYS.usd]).toBeCloseTo(0.05 + 2.5 * 2 * wall, 12);
  });

  it('without nvidia-smi on PATH logs CPU and memory only, reports nothing, and counts no GPU-hours', async () => {
    process.env.PATH = join(tmpdir(), 'no-such-bin-exptrack');
    const store = new MemoryBackend();
    const errors: ExptrackError[] = [];
    const tracker = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, systemMetrics: { intervalMs: 100 }, pricing: { gpuHourUsd: 2.5 }, onError: (e) => errors.push(e) });
    const id = await tracker.startExperiment();
    await sleep(350);
    await tracker.close();
    expect(errors).toEqual([]);
    expect(new Set((await store.getMetrics(id)).map((p) => p.key))).toEqual(new Set(SERIES));
    const s = (await store.getExperiment(id))!.summary;
    expect(s[COST_KEYS.gpuCount]).toBe(0);
    expect(s[COST_KEYS.gpuHours]).toBe(0);
    expect(s).not.toHaveProperty(COST_KEYS.usd);
  });

  it('is off with systemMetrics: false and with EXPTRACK_SYSTEM_METRICS=0', async () => {
    withFakeOnPath();
    for (const [options, env] of [[{ systemMetrics: false as const }, undefined], [{ systemMetrics: { intervalMs: 100 } }, '0']] as const) {
      if (env) process.env.EXPTRACK_SYSTEM_METRICS = env;
      const store = new MemoryBackend();
      const tracker = new ExperimentTracker({ backends: [store], captureGit: false, ...options });
      const id = await tracker.startExperiment();
      await sleep(300);
      await tracker.close();
      expect((await store.getMetrics(id)).map((p) => p.key)).toEqual([]);
      expect((await store.getExperiment(id))!.summary[COST_KEYS.gpuCount]).toBe(0);
    }
    expect(() => readFileSync(process.env.FAKE_NVIDIA_SMI_LOG!)).toThrow(); // never started
  });

  it('respects CUDA_VISIBLE_DEVICES', async () => {
    withFakeOnPath();
    process.env.CUDA_VISIBLE_DEVICES = '1';
    const store = new MemoryBackend();
    const tracker = new ExperimentTracker({ backends: [store], captureGit: false, systemMetrics: { intervalMs: 100 } });
    const id = await tracker.startExperiment();
    await sleep(400);
    await tracker.close();
    const keys = new Set((await store.getMetrics(id)).map((p) => p.key));
    expect([...keys].filter((k) => k.startsWith('system/gpu/')).sort()).toEqual([...GPU_SERIES(1)].sort());
    expect((await store.getExperiment(id))!.summary[COST_KEYS.gpuCount]).toBe(1);
  });

  it('counts each GPU of a host once however many ranks sample it (claims by UUID)', async () => {
    withFakeOnPath();
    const claimsDir = mkdtempSync(join(tmpdir(), 'exptrack-claims-'));
    const logged: Array<Array<Record<string, number>>> = [[], []];
    const ranks = [0, 1].map((rank) => {
      const sampler = new DefaultSystemSampler({ claimsDir });
      sampler.start({ experimentId: 'exp_shared', rank, intervalMs: 100, log: (m) => logged[rank]!.push(m) });
      return sampler;
    });
    await sleep(450);
    const usages = await Promise.all(ranks.map((s) => s.usage()));
    await Promise.all(ranks.map((s, i) => s.stop({ releaseHost: i === 0 })));
    const gpuKeys = (rank: number) => new Set(logged[rank]!.flatMap((m) => Object.keys(m).filter((k) => k.startsWith('system/gpu/'))));
    const both = [...gpuKeys(0), ...gpuKeys(1)].sort();
    expect(both).toEqual([...GPU_SERIES(0), ...GPU_SERIES(1)].sort()); // every GPU series once, from one rank
    expect(usages.map((u) => u.gpuCount)).toEqual([2, 2]);
    expect(logged[1]!.length).toBeGreaterThan(0); // rank 1 still logs its own CPU and memory
  });

  it('a process that saw the owner on its host does not take the host over once the owner finished and released its claims', async () => {
    withFakeOnPath();
    const claimsDir = mkdtempSync(join(tmpdir(), 'exptrack-claims-'));
    const [owner, sameHost] = [true, false].map((owned, rank) => {
      const sampler = new DefaultSystemSampler({ claimsDir, hostName: 'node-a' });
      sampler.start({ experimentId: 'exp_owner_first', rank, owned, intervalMs: 60_000, log: () => {} });
      return sampler;
    });
    for (const deadline = Date.now() + 10_000; owner!.usage().gpuCount === 0 || sameHost!.usage().gpuName === null; await sleep(20)) {
      if (Date.now() > deadline) throw new Error('the fake nvidia-smi did not answer within 10 s');
    }
    expect(owner!.usage()).toMatchObject({ gpuCount: 2, host: 'node-a' });
    expect(sameHost!.usage().host).toBeUndefined();
    await owner!.stop({ releaseHost: true });
    // The run's claims directory is there again, as when a process of the run starts on this host now
    // (or this process's claim lands while the owner's removal of the directory is under way).
    mkdirSync(join(claimsDir, 'exp_owner_first'));
    // Before, the next count found no owner claim and made this process the host's reporter, with the
    // GPU claims gone: its end of run wrote the host's part as 0 GPUs over the owner's 2.
    await sameHost!.sample();
    expect(sameHost!.usage().host).toBeUndefined();
    await sameHost!.stop();
  });

  it('a resumed run adds to its totals', async () => {
    withFakeOnPath();
    const store = new MemoryBackend();
    const options = { backends: [store], captureGit: false, systemMetrics: { intervalMs: 100 }, pricing: { gpuHourUsd: { a100: 2, h100: 4 } } };
    let tracker = new ExperimentTracker(options);
    const id = await tracker.startExperiment();
    await sleepUntilGpuSampled(store, id, 300);
    await tracker.logEvaluation('qa', { metrics: { prompt_tokens: 10, cost_usd: 1 } });
    await tracker.close();
    const first = (await store.getExperiment(id))!.summary;
    tracker = new ExperimentTracker(options);
    await tracker.resumeExperiment(id);
    await sleepUntilGpuSampled(store, id, 300, await gpuPoints(store, id));
    await tracker.logEvaluation('qa', { metrics: { prompt_tokens: 5, cost_usd: 0.5 } });
    await tracker.close();
    const second = (await store.getExperiment(id))!.summary;
    const w1 = first[COST_KEYS.wallHours] as number;
    const w2 = second[COST_KEYS.wallHours] as number;
    expect(w2).toBeGreaterThan(w1 + 0.25 / 3600);
    expect(second[COST_KEYS.gpuHours]).toBeCloseTo(2 * w2, 12);
    expect(second[COST_KEYS.computeUsd]).toBeCloseTo(2 * 2 * w2, 12); // an A100 is priced by the 'a100' key
    expect(second[COST_KEYS.promptTokens]).toBe(15);
    expect(second[COST_KEYS.evalUsd]).toBe(1.5);
  });

  it('a crashed run keeps the compute of its last heartbeat', async () => {
    withFakeOnPath();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const path = join(mkdtempSync(join(tmpdir(), 'exptrack-crash-')), 'runs.db');
    const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path })], captureGit: false, handleProcessEvents: false, systemMetrics: { intervalMs: 100 } });
    const id = await tracker.startExperiment();
    await vi.advanceTimersByTimeAsync(400); // samples; the fake nvidia-smi answers in real time
    await sleep(200);
    await vi.advanceTimersByTimeAsync(5_000); // one heartbeat
    await sleep(50);
    await tracker.flush();
    await sleep(30);
    const reader = new SqliteBackend({ path, staleAfterMs: 10 });
    const crashed = await reader.getExperiment(id);
    await reader.close();
    expect(crashed?.status).toBe('crashed');
    expect(crashed?.summary[COST_KEYS.gpuCount]).toBe(2);
    expect(crashed?.summary[COST_KEYS.wallHours]).toBeGreaterThan(0);
    expect(crashed?.summary[COST_KEYS.gpuHours]).toBeCloseTo(2 * (crashed?.summary[COST_KEYS.wallHours] as number), 12);
    await tracker.close();
  });
});

describe('pricing', () => {
  it('takes a flat price, a map by GPU name (longest match wins), or EXPTRACK_GPU_HOUR_USD', () => {
    expect(gpuPrice({ gpuHourUsd: 2.5 }, '9')('anything')).toBe(2.5);
    const byName = gpuPrice({ gpuHourUsd: { A100: 1.8, 'A100-SXM4-80GB': 2.2, H100: 3 } }, undefined);
    expect(byName('NVIDIA A100-SXM4-80GB')).toBe(2.2);
    expect(byName('NVIDIA A100-PCIE-40GB')).toBe(1.8);
    expect(byName('Tesla T4')).toBeUndefined();
    expect(gpuPrice(undefined, '1.25')(null)).toBe(1.25);
    expect(gpuPrice(undefined, undefined)(null)).toBeUndefined();
  });

  it('refuses a price that is not one, naming the field', () => {
    expect(() => gpuPrice({ gpuHourUsd: -1 }, undefined)).toThrow(/pricing\.gpuHourUsd must be a finite number/);
    expect(() => gpuPrice({ gpuHourUsd: { A100: Number.NaN } }, undefined)).toThrow(/pricing\.gpuHourUsd\.A100/);
    expect(() => gpuPrice(undefined, 'two dollars')).toThrow(/EXPTRACK_GPU_HOUR_USD .*two dollars/);
    expect(() => new ExperimentTracker({ pricing: { gpuHourUsd: Number.POSITIVE_INFINITY } })).toThrow(/pricing\.gpuHourUsd/);
    expect(() => new ExperimentTracker({ systemMetrics: { intervalMs: 5 } })).toThrow(/systemMetrics\.intervalMs/);
  });
});

describe('a missing nvidia-smi', () => {
  it('stopped before its spawn failed signals nothing (a pid-less kill would hit the process group)', async () => {
    const { NvidiaSmiWatch } = await import('../../src/system/nvidia-smi-watch.js');
    const signals: string[] = [];
    const record = (s: string) => signals.push(s);
    process.on('SIGTERM', record);
    try {
      const watch = new NvidiaSmiWatch(100, join(tmpdir(), 'no-such-nvidia-smi'));
      await watch.start();
      watch.stop();
      await sleep(100);
      expect(watch.readings()).toEqual([]);
      expect(signals).toEqual([]);
    } finally {
      process.off('SIGTERM', record);
    }
  });
});
