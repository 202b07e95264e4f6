/**
 * One training loop for bench/backpressure.ts: logs `points` points into a SQLite or Postgres store at full
 * speed or at `rate` points a second, one `logMetrics` call per point, and reports as JSON lines
 * on stdout: progress (`{ logged, at }`, written synchronously, so a killer knows what was logged
 * when), then the result (throughput, slowest call, peak RSS).
 *
 * argv: <store: a SQLite file, a postgres:// URL with ?schema=, or `none`> <points> <rate: points/s, 0 = full speed>
 *
 * With `none` the loop runs without exptrack: each call pushes the point into plain arrays and lets
 * go of every 8,192 points, as a buffer does. Its slowest call is what this runtime (its start, its
 * garbage collector, the scheduler) costs a loop with no tracker in it: the floor under the others.
 */
import { writeSync } from 'node:fs';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { ExperimentTracker } from 'exptrack';
import { PostgresBackend } from 'exptrack/postgres';
import { SqliteBackend } from 'exptrack/sqlite';

const [store, pointsText, rateText] = process.argv.slice(2) as [string, string, string];
const points = Number(pointsText);
const rate = Number(rateText);
const say = (value: unknown) => writeSync(1, `${JSON.stringify(value)}\n`);

/** What the loop logs into: the tracker, or (with `none`) plain arrays. */
interface Logger {
  logMetrics(metrics: Record<string, number>, step: number): void;
  /** Ends the run once everything logged is stored. */
  finish(): Promise<void>;
  close(): Promise<void>;
}

async function trackerLogger(): Promise<Logger> {
  const backend = store.startsWith('postgres://') ? new PostgresBackend({ connectionString: store }) : new SqliteBackend({ path: store });
  const tracker = new ExperimentTracker({ backends: [backend], captureGit: false, onError: () => {} });
  say({ id: await tracker.startExperiment({ bench: 'backpressure' }) });
  return {
    logMetrics: (metrics, step) => tracker.logMetrics(metrics, step),
    finish: async () => void (await tracker.finishExperiment()),
    close: async () => void (await tracker.close()),
  };
}

function arrayLogger(): Logger {
  let columns = { keys: [] as string[], steps: [] as number[], values: [] as number[], timestamps: [] as number[] };
  say({ id: 'none' });
  return {
    logMetrics(metrics, step) {
      const timestamp = Date.now();
      for (const key in metrics) {
        columns.keys.push(key);
        columns.steps.push(step);
        columns.values.push(metrics[key]!);
        columns.timestamps.push(timestamp);
      }
      if (columns.keys.length >= 8_192) columns = { keys: [], steps: [], values: [], timestamps: [] };
    },
    finish: async () => {},
    close: async () => {},
  };
}

const logger = store === 'none' ? arrayLogger() : await trackerLogger();
// Garbage collections, to tell which slow calls one of them explains (delivered after the loop).
const collections: PerformanceEntry[] = [];
const observer = new PerformanceObserver((list) => collections.push(...list.getEntries()));
observer.observe({ entryTypes: ['gc'] });
/** A call in the first second meets a thread starting and code not yet optimized: reported apart as well. */
const WARM_UP_MS = 1_000;
let slowestAfterWarmUp = 0;
/** Calls over 2 ms: when they started, how long they took, and whether they handed a batch over. */
const slowCalls: Array<{ at: number; took: number; handOver: boolean }> = [];
const metrics = { loss: 0 };
let slowest = 0;
let over1ms = 0;
let over2ms = 0;
// Paced by sleeping until each millisecond's points are due. Not by spinning on the clock: in Node 20
// every performance.now() and Date.now() call allocates, and a loop spinning on them made so much
// garbage (248 scavenges in a 10 s run with no tracker, against 43 now) that its scavenges of 1-4 ms
// landed in whatever call was running. Atomics.wait allocates nothing.
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const pointsPerTick = Math.max(1, Math.round(rate / 1000));
const t0 = performance.now();
for (let step = 0; step < points; step++) {
  if (rate > 0 && step % pointsPerTick === 0) {
    const early = (step / rate) * 1000 - (performance.now() - t0);
    if (early > 0) Atomics.wait(sleeper, 0, 0, early);
  }
  metrics.loss = 1 / (step + 1);
  const before = performance.now();
  logger.logMetrics(metrics, step);
  const took = performance.now() - before;
  if (took > slowest) slowest = took;
  if (took > slowestAfterWarmUp && before - t0 >= WARM_UP_MS) slowestAfterWarmUp = took;
  if (took > 1) over1ms++;
  if (took > 2) {
    over2ms++;
    if (slowCalls.length < 10_000) slowCalls.push({ at: before, took, handOver: (step + 1) % 8_192 === 0 });
  }
  if (step % 100_000 === 0) say({ logged: step, at: Date.now(), ...(process.env.BENCH_MEMORY ? { mem: process.memoryUsage() } : {}) });
}
const loggedMs = performance.now() - t0;
await logger.finish();
const seconds = (performance.now() - t0) / 1000;
await logger.close();
observer.disconnect();
// A slow call overlapped by a collection of this thread is put down to it; one that handed a full
// buffer over, to the hand-over (including any wait for the store); the rest, to the scheduler
// (the machine is shared) or to the tracker's own work.
const byGc = slowCalls.filter((c) => collections.some((g) => g.startTime < c.at + c.took && g.startTime + g.duration > c.at));
const gcPauseMs = collections.reduce((longest, g) => Math.max(longest, g.duration), 0);
const atHandOver = slowCalls.filter((c) => c.handOver && !byGc.includes(c)).length;
say({
  result: {
    points, loggedMs, pointsPerSecond: points / seconds, slowestCallMs: slowest, callsOver1ms: over1ms, callsOver2ms: over2ms,
    slowestAfterWarmUpMs: slowestAfterWarmUp,
    slowByGc: byGc.length, slowAtHandOver: atHandOver, longestGcMs: gcPauseMs, collections: collections.length, peakRssMb: process.resourceUsage().maxRSS / 1024,
  },
});
