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
 *
 * Paced, the loop reads at each millisecond's tick how long the kernel has kept this thread waiting
 * for a CPU (Linux: /proc/thread-self/schedstat), so that a slow call can be told apart from one the
 * thread spent off the CPU while another thread ran.
 */
import { openSync, readSync, writeSync } from 'node:fs';
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
/** The slowest call of at most 2 ms after the first second (the slower ones are each kept below). */
let slowestUpTo2AfterWarmUp = 0;
/** Calls over 2 ms: when they started, how long they took, whether they handed a batch over, and their tick. */
const slowCalls: Array<{ at: number; took: number; handOver: boolean; tick: number }> = [];
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
const cpuWait = cpuWaitClock();
/** The thread's time waiting for a CPU so far (ns) as each tick's calls start and as they end: [2k], [2k + 1]. */
const waited = new Float64Array(rate > 0 && cpuWait ? 2 * Math.ceil(points / pointsPerTick) : 0);
const t0 = performance.now();
for (let step = 0; step < points; step++) {
  if (rate > 0 && step % pointsPerTick === 0) {
    const tick = step / pointsPerTick;
    if (waited.length > 0 && tick > 0) waited[2 * tick - 1] = cpuWait!();
    const early = (step / rate) * 1000 - (performance.now() - t0);
    if (early > 0) Atomics.wait(sleeper, 0, 0, early);
    if (waited.length > 0) waited[2 * tick] = cpuWait!();
  }
  metrics.loss = 1 / (step + 1);
  const before = performance.now();
  logger.logMetrics(metrics, step);
  const took = performance.now() - before;
  if (took > slowest) slowest = took;
  if (before - t0 >= WARM_UP_MS) {
    if (took > slowestAfterWarmUp) slowestAfterWarmUp = took;
    if (took <= 2 && took > slowestUpTo2AfterWarmUp) slowestUpTo2AfterWarmUp = took;
  }
  if (took > 1) over1ms++;
  if (took > 2) {
    over2ms++;
    if (slowCalls.length < 10_000) slowCalls.push({ at: before, took, handOver: (step + 1) % 8_192 === 0, tick: Math.floor(step / pointsPerTick) });
  }
  if (step % 100_000 === 0) say({ logged: step, at: Date.now(), ...(process.env.BENCH_MEMORY ? { mem: process.memoryUsage() } : {}) });
}
if (waited.length > 0) waited[waited.length - 1] = cpuWait!();
const loggedMs = performance.now() - t0;
await logger.finish();
const seconds = (performance.now() - t0) / 1000;
await logger.close();
observer.disconnect();
// A slow call overlapped by a collection of this thread is put down to it; one in whose tick the
// kernel kept the thread off the CPU for longer than the call took beyond 2 ms, to the scheduler (the
// machine is shared: a write thread, the database, other processes); one that handed a full buffer
// over, to the hand-over (including any wait for the store); the rest, to the tracker's own work.
const byGc = slowCalls.filter((c) => collections.some((g) => g.startTime < c.at + c.took && g.startTime + g.duration > c.at));
const offCpuMs = (c: { tick: number }) => (waited.length > 0 ? (waited[2 * c.tick + 1]! - waited[2 * c.tick]!) / 1e6 : 0);
const byScheduler = slowCalls.filter((c) => !byGc.includes(c) && c.took - offCpuMs(c) <= 2);
const gcPauseMs = collections.reduce((longest, g) => Math.max(longest, g.duration), 0);
const atHandOver = slowCalls.filter((c) => c.handOver && !byGc.includes(c) && !byScheduler.includes(c)).length;
/** The slowest call after the first second that neither a collection nor the scheduler explains. */
const slowestOwnMs = slowCalls.filter((c) => c.at - t0 >= WARM_UP_MS && !byGc.includes(c) && !byScheduler.includes(c)).reduce((m, c) => Math.max(m, c.took), slowestUpTo2AfterWarmUp);
say({
  result: {
    points, loggedMs, pointsPerSecond: points / seconds, slowestCallMs: slowest, callsOver1ms: over1ms, callsOver2ms: over2ms,
    slowestAfterWarmUpMs: slowestAfterWarmUp,
    slowByGc: byGc.length, slowByScheduler: byScheduler.length, schedulerMeasured: waited.length > 0, slowestOwnMs, slowAtHandOver: atHandOver, longestGcMs: gcPauseMs, collections: collections.length, peakRssMb: process.resourceUsage().maxRSS / 1024,
  },
});

/**
 * A reader of this thread's time waiting for a CPU so far, in ns (the second field of Linux's
 * /proc/thread-self/schedstat), read into a buffer made once so that the loop allocates nothing; or
 * undefined where there is no such file.
 */
function cpuWaitClock(): (() => number) | undefined {
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return undefined;
  }
  const bytes = Buffer.alloc(96);
  return () => {
    const n = readSync(fd, bytes, 0, bytes.length, 0);
    let i = 0;
    while (i < n && bytes[i] !== 32) i++; // the time on the CPU, then a space
    let waited = 0;
    for (i++; i < n && bytes[i]! >= 48 && bytes[i]! <= 57; i++) waited = waited * 10 + bytes[i]! - 48;
    return waited;
  };
}
