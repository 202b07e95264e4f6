/**
 * What sampling the machine costs a training run: the time of one sample (this process's CPU and
 * memory, and two GPUs read from a fake `nvidia-smi` in loop mode), and the overhead of sampling
 * on a 1 ms/step training loop: the time sampling takes on the loop's thread over the loop's time,
 * and the slowdown of the loop tracked with system metrics on against the same tracker with them off
 * (which a loaded machine drowns in noise; the load is printed). Prints a table; asserts nothing.
 *
 * Run: `npx tsx bench/system-metrics.ts` (or `npm run bench -- system-metrics`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ExperimentTracker } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { DefaultSystemSampler } from '../src/system/index.js';

// The fake answers like nvidia-smi for two GPUs; a machine with real GPUs can drop this line.
process.env.PATH = `${join(import.meta.dirname, '../test/fixtures/fake-gpu-bin')}${delimiter}${process.env.PATH}`;
const claimsDir = mkdtempSync(join(tmpdir(), 'exptrack-bench-claims-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One sample's time: on the loop's thread (the synchronous part) and until it was logged. */
async function sampleCost(): Promise<{ syncUs: number; totalUs: number; keys: number }> {
  let logged: Record<string, number> = {};
  let syncEnd = 0;
  const sampler = new DefaultSystemSampler({ claimsDir });
  sampler.start({ experimentId: 'bench', rank: 0, intervalMs: 60_000, log: (m) => (logged = m) });
  await sleep(500); // nvidia-smi has answered
  await sampler.sample(); // claims the GPUs once
  const total: number[] = [];
  const sync: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    const done = sampler.sample();
    syncEnd = performance.now();
    await done;
    total.push((performance.now() - t0) * 1000);
    sync.push((syncEnd - t0) * 1000);
  }
  await sampler.stop({ releaseHost: true });
  return { syncUs: median(sync), totalUs: median(total), keys: Object.keys(logged).length };
}

/** ~1 ms of CPU work, like a tiny training step. */
function work(iterations: number): number {
  let x = 0;
  for (let i = 0; i < iterations; i++) x += Math.sqrt(i) * Math.sin(i);
  return x;
}

/**
 * The loop with sampling on against the loop with it off, in alternating runs (median of 7).
 * `intervalMs` is the sampling period: the default is 10 s; faster periods bound the cost from above.
 */
async function loopOverhead(intervalMs: number): Promise<{ overhead: number; overheadOfFastest: number; stepMs: number; samples: number; loopMs: number }> {
  for (let i = 0; i < 2000; i++) work(10_000);
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) work(10_000);
  const iterations = Math.round((10_000 * 200) / (performance.now() - t0));
  const steps = 3000;
  const run = async (tracker: ExperimentTracker) => {
    const start = performance.now();
    for (let s = 0; s < steps; s++) {
      const loss = work(iterations);
      tracker.logMetrics({ loss }, s);
      if (s % 100 === 0) await new Promise((r) => setImmediate(r)); // a real loop yields (data loading, awaits)
    }
    return performance.now() - start;
  };
  const quiet = { captureGit: false, captureEnvironment: false, handleProcessEvents: false, onError: () => {} } as const;
  const onStore = new MemoryBackend();
  const on = new ExperimentTracker({ ...quiet, backends: [onStore], systemMetrics: { intervalMs } });
  const off = new ExperimentTracker({ ...quiet, backends: [new MemoryBackend()], systemMetrics: false });
  // Each timed run is its own experiment, so the sampler (and its nvidia-smi) lives only during the runs with sampling.
  const timed = async (tracker: ExperimentTracker) => {
    const id = await tracker.startExperiment();
    await sleep(300);
    const ms = await run(tracker);
    await tracker.finishExperiment();
    return { id, ms };
  };
  const withSampling: number[] = [];
  const without: number[] = [];
  let samples = 0;
  for (let i = 0; i < 9; i++) {
    without.push((await timed(off)).ms);
    const { id, ms } = await timed(on);
    withSampling.push(ms);
    samples += (await onStore.getMetrics(id, 'system/cpu_percent')).length;
  }
  await Promise.all([on.close(), off.close()]);
  const runs = withSampling.length;
  return {
    overhead: median(withSampling) / median(without) - 1,
    overheadOfFastest: Math.min(...withSampling) / Math.min(...without) - 1,
    stepMs: median(without) / steps,
    samples: samples / runs,
    loopMs: median(withSampling),
  };
}

const cost = await sampleCost();
// Sampling every 0.1 s, 100 times the default rate, so that a run of a few seconds holds samples.
const loop = await loopOverhead(100);
rmSync(claimsDir, { recursive: true, force: true });

const rows: Array<[string, string, string]> = [
  [`one sample (CPU, memory, 2 GPUs: ${cost.keys} values), on the loop's thread`, `${cost.syncUs.toFixed(1)} µs`, ''],
  ['one sample, until logged (claims cached)', `${cost.totalUs.toFixed(1)} µs`, ''],
  ['sampling time / loop time at the default 10 s (one sample / 10 s)', `${((100 * cost.totalUs) / 10_000_000).toFixed(5)} %`, '< 0.5 %'],
  [`1 ms/step loop sampled every 0.1 s: sampling time / loop time (${loop.samples.toFixed(1)} samples a run)`, `${((100 * loop.samples * cost.totalUs) / 1000 / loop.loopMs).toFixed(4)} %`, '< 0.5 %'],
  [`1 ms/step loop sampled every 0.1 s: slowdown against off, median runs (${loop.stepMs.toFixed(2)} ms/step)`, `${(loop.overhead * 100).toFixed(2)} %`, '< 0.5 %'],
  ['1 ms/step loop sampled every 0.1 s: slowdown against off, fastest runs', `${(loop.overheadOfFastest * 100).toFixed(2)} %`, ''],
];
const width = Math.max(...rows.map((r) => r[0].length));
const load = (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`system metrics (median of 2,000 samples; loops: 9 alternating runs of 3,000 steps, on and off; load ${load}: the slowdowns are noise above ~1 load per core)`);
for (const [name, value, target] of rows) console.log(`  ${name.padEnd(width)}  ${value.padStart(12)}  ${target}`);
