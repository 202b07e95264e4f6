/**
 * What sampling the machine costs a training run: the time of one sample (this process's CPU and
 * memory, and two GPUs read from a fake `nvidia-smi` in loop mode), and an A/B measurement of the
 * overhead of sampling on a 1 ms/step training loop. The same loop runs in blocks of `steps` steps,
 * tracked with system metrics on (B) and off (A), interleaved A B B A … so that drift in the
 * machine's load falls on both alike; each pair of blocks gives one overhead (B / A − 1), of wall
 * time and of this process's CPU time (`process.cpuUsage`, less sensitive to other processes), and
 * the overheads get a 95 % t interval of their mean (`oneSampleTTest` of exptrack/analysis) and a
 * seeded bootstrap interval of their median. The sampling period is 0.1 s, 100 times the default
 * rate, so that each block holds samples: the default rate costs a hundredth of it. Prints a
 * table; asserts nothing. The target is < 0.5 %; on a loaded machine the intervals say how much
 * of a difference the measurement can see. The fake nvidia-smi is a shell loop that starts a
 * `sleep` each period, far heavier than the real one; on a machine with few cores its CPU competes
 * with the loop's in wall time (not in this process's CPU time).
 *
 * Run: `npx tsx bench/system-metrics.ts [pairs] [steps]` (default 12 pairs of 3,000-step blocks;
 * `npm run bench -- system-metrics`). A quick check: `npx tsx bench/system-metrics.ts 3 300`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ExperimentTracker } from 'exptrack';
import { bootstrapCI, oneSampleTTest } from 'exptrack/analysis';
import { MemoryBackend } from 'exptrack/memory';
import { DefaultSystemSampler } from '../src/system/index.js';

const PAIRS = Number(process.argv[2] ?? 12);
const STEPS = Number(process.argv[3] ?? 3000);
const INTERVAL_MS = 100;
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
  sampler.start({ experimentId: 'bench', rank: 0, owned: true, intervalMs: 60_000, log: (m) => (logged = m) });
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

interface Block {
  wallMs: number;
  cpuMs: number;
  samples: number;
}

/** The A/B pairs: each gives the overhead of sampling in wall time and in CPU time. */
async function abOverhead(): Promise<{ wall: number[]; cpu: number[]; stepMs: number; samples: number }> {
  for (let i = 0; i < 2000; i++) work(10_000);
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) work(10_000);
  const iterations = Math.round((10_000 * 200) / (performance.now() - t0));
  const quiet = { captureGit: false, captureEnvironment: false, handleProcessEvents: false, onError: () => {} } as const;
  const onStore = new MemoryBackend();
  const on = new ExperimentTracker({ ...quiet, backends: [onStore], systemMetrics: { intervalMs: INTERVAL_MS } });
  const off = new ExperimentTracker({ ...quiet, backends: [new MemoryBackend()], systemMetrics: false });
  // One block: a run of STEPS steps, timed after the run (and its nvidia-smi) has started.
  const block = async (tracker: ExperimentTracker): Promise<Block> => {
    const id = await tracker.startExperiment();
    await sleep(300);
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    for (let s = 0; s < STEPS; s++) {
      tracker.logMetrics({ loss: work(iterations) }, s);
      if (s % 100 === 0) await new Promise((r) => setImmediate(r)); // a real loop yields (data loading, awaits)
    }
    const wallMs = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    await tracker.finishExperiment();
    const samples = tracker === on ? (await onStore.getMetrics(id, 'system/cpu_percent')).length : 0;
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, samples };
  };
  const wall: number[] = [];
  const cpu: number[] = [];
  let offWall = 0;
  let samples = 0;
  await block(off); // warm both paths once, untimed
  await block(on);
  for (let pair = 0; pair < PAIRS; pair++) {
    // A B, then B A: a trend in the machine's load weighs on both sides alike.
    const first = pair % 2 === 0 ? off : on;
    const x = await block(first);
    const y = await block(first === off ? on : off);
    const [a, b] = first === off ? [x, y] : [y, x];
    wall.push(b.wallMs / a.wallMs - 1);
    cpu.push(b.cpuMs / a.cpuMs - 1);
    offWall += a.wallMs;
    samples += b.samples;
  }
  await Promise.all([on.close(), off.close()]);
  return { wall, cpu, stepMs: offWall / PAIRS / STEPS, samples: samples / PAIRS };
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
function interval(overheads: number[]): { mean: string; meanCi: string; median: string; medianCi: string } {
  const t = oneSampleTTest(overheads, 0);
  const boot = bootstrapCI(overheads, { statistic: 'median', seed: 1, resamples: 5000 });
  return { mean: pct(t.estimate), meanCi: `[${pct(t.ci![0])}, ${pct(t.ci![1])}]`, median: pct(boot.estimate), medianCi: `[${pct(boot.lower)}, ${pct(boot.upper)}]` };
}

const cost = await sampleCost();
const ab = await abOverhead();
rmSync(claimsDir, { recursive: true, force: true });
const wall = interval(ab.wall);
const cpu = interval(ab.cpu);

const rows: Array<[string, string, string]> = [
  [`one sample (CPU, memory, 2 GPUs: ${cost.keys} values), on the loop's thread`, `${cost.syncUs.toFixed(1)} µs`, ''],
  ['one sample, until logged (claims cached)', `${cost.totalUs.toFixed(1)} µs`, ''],
  ['sampling time / loop time at the default 10 s (one sample / 10 s)', `${((100 * cost.totalUs) / 10_000_000).toFixed(5)} %`, '< 0.5 %'],
  [`A/B, sampled every 0.1 s (${ab.samples.toFixed(1)} samples a block): wall-time overhead, mean [95 % t CI]`, `${wall.mean} ${wall.meanCi}`, '< 0.5 %'],
  ['A/B: wall-time overhead, median [95 % bootstrap CI]', `${wall.median} ${wall.medianCi}`, '< 0.5 %'],
  ['A/B: CPU-time overhead (process.cpuUsage), mean [95 % t CI]', `${cpu.mean} ${cpu.meanCi}`, '< 0.5 %'],
  ['A/B: CPU-time overhead, median [95 % bootstrap CI]', `${cpu.median} ${cpu.medianCi}`, '< 0.5 %'],
];
const width = Math.max(...rows.map((r) => r[0].length));
const load = loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`system metrics (one sample: median of 2,000; A/B: ${PAIRS} interleaved pairs of ${STEPS}-step blocks at ${ab.stepMs.toFixed(2)} ms/step; load ${load})`);
for (const [name, value, target] of rows) console.log(`  ${name.padEnd(width)}  ${value.padStart(28)}  ${target}`);
console.log('  (the loop passes when the upper CI bounds are below 0.5 %; at the default 10 s period the overhead is a hundredth of the 0.1 s one)');
