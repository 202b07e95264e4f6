import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COST_KEYS, ExperimentTracker, type ExptrackError } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { DefaultSystemSampler } from '../../src/system/index.js';

// Hosts are simulated in one process: each has its own claims directory (its own /tmp) and name,
// and every one sees the fake nvidia-smi's two GPUs.
const nvidiaSmi = join(import.meta.dirname, '../fixtures/fake-gpu-bin/nvidia-smi');
const hostDirs = new Map<string, string>();
const onHost = (host: string) => {
  if (!hostDirs.has(host)) hostDirs.set(host, mkdtempSync(join(tmpdir(), `exptrack-host-${host}-`)));
  return new DefaultSystemSampler({ nvidiaSmi, hostName: host, claimsDir: hostDirs.get(host)!, cudaVisibleDevices: undefined });
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hours = (ms: number) => ms / 3_600_000;

let errors: ExptrackError[];
let savedEnv: NodeJS.ProcessEnv;
beforeEach(() => {
  savedEnv = { ...process.env };
  delete process.env.EXPTRACK_EXPERIMENT_ID;
  errors = [];
  hostDirs.clear();
  samplers.clear();
});
afterEach(() => {
  process.env = savedEnv;
});

/** Each tracker's sampler, to wait for its first nvidia-smi answer (slow on a loaded machine). */
const samplers = new Map<ExperimentTracker, DefaultSystemSampler>();

function tracker(store: MemoryBackend, host: string, extra: { rank?: number } = {}) {
  const sampler = onHost(host);
  const t = new ExperimentTracker({
    backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false,
    systemMetrics: { intervalMs: 100, sampler }, pricing: { gpuHourUsd: 2 }, onError: (e) => errors.push(e), ...extra,
  });
  samplers.set(t, sampler);
  return t;
}

/** Until every tracker's sampler has counted its host's GPUs: the sums, not the sampler's start, are under test. */
async function gpusSeen(trackers: ExperimentTracker[]) {
  for (const deadline = Date.now() + 10_000; trackers.some((t) => samplers.get(t)!.usage().gpuCount === 0); ) {
    if (Date.now() > deadline) throw new Error('a sampler did not see the fake GPUs within 10 s');
    await sleep(20);
  }
}

/** Joins the run as another process would, through EXPTRACK_EXPERIMENT_ID. */
async function join_(t: ExperimentTracker, id: string) {
  process.env.EXPTRACK_EXPERIMENT_ID = id;
  await t.startExperiment();
  delete process.env.EXPTRACK_EXPERIMENT_ID;
}

describe('GPU-hours of a run on several hosts', { timeout: 20_000 }, () => {
  for (const order of ['the other host finishes first', 'the owner finishes first'] as const) {
    it(`sums each host's GPUs once, whichever process finishes last (${order})`, async () => {
      const store = new MemoryBackend();
      const owner = tracker(store, 'node-a');
      const id = await owner.startExperiment();
      const started = Date.now();
      const sameHost = tracker(store, 'node-a', { rank: 1 }); // a second rank on the owner's host
      const otherHost = tracker(store, 'node-b', { rank: 2 });
      const otherHost2 = tracker(store, 'node-b', { rank: 3 }); // and two ranks on another host
      for (const t of [sameHost, otherHost, otherHost2]) await join_(t, id);
      const joined = Date.now();
      await gpusSeen([owner, sameHost, otherHost, otherHost2]);
      await sleep(700);
      const first = order === 'the owner finishes first' ? [owner] : [otherHost, otherHost2, sameHost];
      const last = order === 'the owner finishes first' ? [otherHost, otherHost2, sameHost] : [owner];
      for (const t of first) await t.finishExperiment();
      const firstEnded = Date.now();
      await sleep(100);
      for (const t of last) await t.finishExperiment();
      const ended = Date.now();
      await Promise.all([owner, sameHost, otherHost, otherHost2].map((t) => t.close()));
      expect(errors).toEqual([]);

      const s = (await store.getExperiment(id))!.summary;
      const a = s['compute/host/node-a/gpu_hours'] as number;
      const b = s['compute/host/node-b/gpu_hours'] as number;
      const ownerEnd = order === 'the owner finishes first' ? firstEnded : ended;
      const otherEnd = order === 'the owner finishes first' ? ended : firstEnded;
      // Each host's two GPUs, counted once though two ranks sample each host.
      expect(s['compute/host/node-a/gpu_count']).toBe(2);
      expect(s['compute/host/node-b/gpu_count']).toBe(2);
      expect(a).toBeGreaterThan(2 * hours(700));
      expect(a).toBeLessThanOrEqual(2 * hours(ownerEnd - started + 200));
      expect(b).toBeGreaterThan(2 * hours(700));
      expect(b).toBeLessThanOrEqual(2 * hours(otherEnd - joined + 200));
      expect(s[COST_KEYS.gpuCount]).toBe(4);
      expect(s[COST_KEYS.gpuHours]).toBeCloseTo(a + b, 12); // the last writer's totals hold both hosts' final parts
      expect(s[COST_KEYS.computeUsd]).toBeCloseTo(2 * (a + b), 12);
      expect(s[COST_KEYS.usd]).toBeCloseTo(2 * (a + b), 12);
      expect(Object.keys(s).filter((k) => k.startsWith('compute/host/')).sort()).toEqual(
        ['node-a', 'node-b'].flatMap((h) => ['compute_usd', 'gpu_count', 'gpu_hours'].map((k) => `compute/host/${h}/${k}`)).sort(),
      );
    });
  }

  it('a run resumed on another host adds that host, and a run from before host keys keeps its hours', async () => {
    const store = new MemoryBackend();
    let t = tracker(store, 'node-a');
    const id = await t.startExperiment();
    await sleep(400);
    await t.close();
    const first = (await store.getExperiment(id))!.summary;
    t = tracker(store, 'node-b');
    await t.resumeExperiment(id);
    await sleep(400);
    await t.close();
    const second = (await store.getExperiment(id))!.summary;
    const a = second['compute/host/node-a/gpu_hours'] as number;
    const b = second['compute/host/node-b/gpu_hours'] as number;
    expect(a).toBe(first['compute/host/node-a/gpu_hours']); // node-a's part is not counted again
    expect(b).toBeGreaterThan(2 * hours(350));
    expect(second[COST_KEYS.gpuHours]).toBeCloseTo(a + b, 12);
    expect(second[COST_KEYS.gpuCount]).toBe(4); // GPUs the run used, over its hosts

    // A run written before host keys: its total has no host; resumed, it is kept under `_` and added to.
    const old = await (async () => {
      const w = tracker(store, 'node-a');
      const oldId = await w.startExperiment();
      await w.finishExperiment();
      await store.write([{ type: 'experiment_updated', experimentId: oldId, changes: { summary: { 'compute/host/node-a/gpu_hours': null, 'compute/host/node-a/gpu_count': null, 'compute/host/node-a/compute_usd': null, [COST_KEYS.gpuHours]: 3, [COST_KEYS.computeUsd]: 6, [COST_KEYS.gpuCount]: 2 } } }]);
      await w.close();
      await sleep(100); // the finished run's claims are released in the background
      return oldId;
    })();
    t = tracker(store, 'node-a');
    await t.resumeExperiment(old);
    await sleep(400);
    await t.close();
    const resumed = (await store.getExperiment(old))!.summary;
    expect(resumed['compute/host/_/gpu_hours']).toBe(3);
    const mine = resumed['compute/host/node-a/gpu_hours'] as number;
    expect(mine).toBeGreaterThan(0);
    expect(resumed[COST_KEYS.gpuHours]).toBeCloseTo(3 + mine, 12);
    expect(resumed[COST_KEYS.computeUsd]).toBeCloseTo(6 + 2 * mine, 12);
    expect(errors).toEqual([]);
  });
});
