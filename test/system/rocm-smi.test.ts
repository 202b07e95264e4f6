import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COST_KEYS, ExperimentTracker, type ExptrackError } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { parseRocmSmiJson, visibleAmdGpus } from '../../src/system/index.js';
import { ROCM_SMI_IDENTITY_ARGS, ROCM_SMI_LIVE_ARGS } from '../../src/system/rocm-smi-json.js';

const fakeBin = join(import.meta.dirname, '../fixtures/fake-rocm-bin');
const fake = join(fakeBin, 'rocm-smi');
const GPU_SERIES = (i: number) => ['utilization_percent', 'memory_used_mb', 'power_watts', 'temperature_c'].map((k) => `system/gpu/${i}/${k}`);
const LIVE = ROCM_SMI_LIVE_ARGS.join(' ');
const WITH_IDENTITY = [...ROCM_SMI_LIVE_ARGS, ...ROCM_SMI_IDENTITY_ARGS].join(' ');
const answer = (args: readonly string[], mode?: string) =>
  spawnSync(fake, args, { encoding: 'utf8', maxBuffer: 4 * 1024 * 1024, env: { ...process.env, FAKE_ROCM_SMI_MODE: mode ?? '' } }).stdout;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let savedEnv: NodeJS.ProcessEnv;
beforeEach(() => {
  savedEnv = { ...process.env };
  for (const name of ['CUDA_VISIBLE_DEVICES', 'HIP_VISIBLE_DEVICES', 'ROCR_VISIBLE_DEVICES', 'EXPTRACK_SYSTEM_METRICS', 'EXPTRACK_GPU_HOUR_USD', 'FAKE_ROCM_SMI_MODE']) delete process.env[name];
  process.env.FAKE_ROCM_SMI_LOG = join(mkdtempSync(join(tmpdir(), 'exptrack-rocm-')), 'calls.log');
  // Only the fake rocm-smi: a directory without nvidia-smi comes first, so the AMD path is taken.
  process.env.PATH = `${fakeBin}${delimiter}${process.env.PATH}`;
});
afterEach(() => {
  process.env = savedEnv;
});
const calls = () => readFileSync(process.env.FAKE_ROCM_SMI_LOG!, 'utf8').trim().split('\n');

describe('rocm-smi output', () => {
  it('reads two AMD GPUs: use, VRAM in MiB, either power key, edge else junction temperature, id and name', () => {
    expect(parseRocmSmiJson(answer([...ROCM_SMI_LIVE_ARGS, ...ROCM_SMI_IDENTITY_ARGS]))).toEqual([
      { index: 0, uuid: 'GPU-18f68e602b8a790f', name: 'AMD Instinct MI250X', utilizationPercent: 93, memoryUsedMb: 40960, powerWatts: 212, temperatureC: 45 },
      { index: 1, uuid: 'GPU-4b2c6e8172bf5d0b', name: 'AMD Instinct MI250X', utilizationPercent: 88, memoryUsedMb: 20480, powerWatts: 188.5, temperatureC: 58 },
    ]);
    // Without the identity flags rocm-smi names no id: each GPU is still one of its host.
    expect(parseRocmSmiJson(answer(ROCM_SMI_LIVE_ARGS)).map((g) => [g.uuid, g.name])).toEqual([['rocm-card0', ''], ['rocm-card1', '']]);
  });

  it('refuses what is not an answer, and bounds and validates a hostile one', () => {
    expect(parseRocmSmiJson(answer([], 'garbage'))).toEqual([]);
    expect(parseRocmSmiJson(answer([], 'huge'))).toEqual([]);
    expect(parseRocmSmiJson('[{"card0": {}}]')).toEqual([]);
    expect(parseRocmSmiJson(`{"card0": {"GPU use (%)": "5"}, ${'x'.repeat(1024 * 1024)}}`)).toEqual([]);
    const [gpu, ...rest] = parseRocmSmiJson(answer([], 'hostile'));
    expect(rest).toEqual([]); // card0 is not an object, card99999 is no index rocm-smi gives, __proto__ is no card
    expect(gpu!.index).toBe(1);
    expect(gpu!.uuid).toBe('rocm-card1'); // a unique id that is not hex is not used in a file name
    expect(gpu!.name).toHaveLength(200);
    for (const value of [gpu!.utilizationPercent, gpu!.memoryUsedMb, gpu!.powerWatts, gpu!.temperatureC]) expect(value).toBeNaN();
    const many = JSON.stringify(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`card${i}`, { 'GPU use (%)': '1' }])));
    expect(parseRocmSmiJson(many)).toHaveLength(64);
  });

  it('picks GPUs by ROCR_VISIBLE_DEVICES (index or id), then HIP_VISIBLE_DEVICES (or CUDA_VISIBLE_DEVICES) by position', () => {
    const gpus = parseRocmSmiJson(answer([...ROCM_SMI_LIVE_ARGS, ...ROCM_SMI_IDENTITY_ARGS]));
    const pick = (rocr?: string, hip?: string, cuda?: string) => visibleAmdGpus(gpus, { rocr, hip, cuda }).map((g) => g.index);
    expect(pick()).toEqual([0, 1]);
    expect(pick('1')).toEqual([1]);
    expect(pick('GPU-4b2c6e81')).toEqual([1]);
    expect(pick(undefined, '1')).toEqual([1]);
    expect(pick('1', '0')).toEqual([1]); // HIP's 0 is the first GPU ROCR left visible
    expect(pick('1', '1')).toEqual([]);
    expect(pick(undefined, undefined, '1')).toEqual([1]);
    expect(pick(undefined, '0', '1')).toEqual([0]); // HIP's list wins over CUDA's
    expect(pick('')).toEqual([]);
  });
});

describe('AMD GPUs of a tracked run', { timeout: 20_000 }, () => {
  it('logs each GPU series from rocm-smi called once an interval, and counts GPU-hours and dollars as for NVIDIA', async () => {
    const store = new MemoryBackend();
    const errors: ExptrackError[] = [];
    const tracker = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, systemMetrics: { intervalMs: 150 }, pricing: { gpuHourUsd: { MI250X: 1.5 } }, onError: (e) => errors.push(e) });
    const id = await tracker.startExperiment();
    await sleep(900);
    await tracker.close();
    expect(errors).toEqual([]);
    const keys = new Set((await store.getMetrics(id)).map((p) => p.key));
    for (const key of [...GPU_SERIES(0), ...GPU_SERIES(1)]) expect(keys, key).toContain(key);
    expect(new Set((await store.getMetrics(id, 'system/gpu/0/memory_used_mb')).map((p) => p.value))).toEqual(new Set([40960]));
    const s = (await store.getExperiment(id))!.summary;
    const wall = s[COST_KEYS.wallHours] as number;
    expect(s[COST_KEYS.gpuCount]).toBe(2);
    expect(s[COST_KEYS.gpuName]).toBe('AMD Instinct MI250X');
    expect(s[COST_KEYS.gpuHours]).toBeCloseTo(2 * wall, 12);
    expect(s[COST_KEYS.computeUsd]).toBeCloseTo(1.5 * 2 * wall, 12);
    const made = calls();
    expect(made[0]).toBe(WITH_IDENTITY); // the first call asks ids and names once,
    expect(made.length).toBeGreaterThanOrEqual(3);
    expect(made.slice(1).every((c) => c === LIVE)).toBe(true); // later ones only the live values
    expect(made.length).toBeLessThanOrEqual(Math.ceil(900 / 150) + 2); // one call an interval, not one per sample and GPU
  });

  it('respects HIP_VISIBLE_DEVICES', async () => {
    process.env.HIP_VISIBLE_DEVICES = '1';
    const store = new MemoryBackend();
    const tracker = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, systemMetrics: { intervalMs: 150 } });
    const id = await tracker.startExperiment();
    await sleep(500);
    await tracker.close();
    const gpuKeys = [...new Set((await store.getMetrics(id)).map((p) => p.key))].filter((k) => k.startsWith('system/gpu/')).sort();
    expect(gpuKeys).toEqual([...GPU_SERIES(1)].sort());
    expect((await store.getExperiment(id))!.summary[COST_KEYS.gpuCount]).toBe(1);
  });

  for (const mode of ['garbage', 'huge', 'fail']) {
    it(`a rocm-smi that answers ${mode} gives no GPU, reports nothing, and is given up after 3 calls`, async () => {
      process.env.FAKE_ROCM_SMI_MODE = mode;
      const store = new MemoryBackend();
      const errors: ExptrackError[] = [];
      const tracker = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, systemMetrics: { intervalMs: 100 }, onError: (e) => errors.push(e) });
      const id = await tracker.startExperiment();
      await sleep(800);
      await tracker.close();
      expect(errors).toEqual([]);
      expect([...new Set((await store.getMetrics(id)).map((p) => p.key))].sort()).toEqual(['system/cpu_percent', 'system/memory_rss_mb']);
      expect((await store.getExperiment(id))!.summary[COST_KEYS.gpuCount]).toBe(0);
      expect(calls()).toHaveLength(3);
    });
  }
});
