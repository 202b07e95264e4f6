/**
 * One training loop for bench/backpressure.ts: logs `points` points into a SQLite store at full
 * speed or at `rate` points a second, one `logMetrics` call per point, and reports as JSON lines
 * on stdout: progress (`{ logged, at }`, written synchronously, so a killer knows what was logged
 * when), then the result (throughput, slowest call, peak RSS).
 *
 * argv: <store path> <points> <rate: points/s, 0 = full speed>
 */
import { writeSync } from 'node:fs';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';

const [path, pointsText, rateText] = process.argv.slice(2) as [string, string, string];
const points = Number(pointsText);
const rate = Number(rateText);
const say = (value: unknown) => writeSync(1, `${JSON.stringify(value)}\n`);

const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path })], captureGit: false, onError: () => {} });
const id = await tracker.startExperiment({ bench: 'backpressure' });
say({ id });
const metrics = { loss: 0 };
let slowest = 0;
let over1ms = 0;
let over2ms = 0;
const t0 = performance.now();
for (let step = 0; step < points; step++) {
  if (rate > 0) while (performance.now() - t0 < (step / rate) * 1000);
  metrics.loss = 1 / (step + 1);
  const before = performance.now();
  tracker.logMetrics(metrics, step);
  const took = performance.now() - before;
  if (took > slowest) slowest = took;
  if (took > 1) over1ms++;
  if (took > 2) over2ms++;
  if (step % 100_000 === 0) say({ logged: step, at: Date.now(), ...(process.env.BENCH_MEMORY ? { mem: process.memoryUsage() } : {}) });
}
const loggedMs = performance.now() - t0;
await tracker.finishExperiment();
const seconds = (performance.now() - t0) / 1000;
await tracker.close();
say({ result: { points, loggedMs, pointsPerSecond: points / seconds, slowestCallMs: slowest, callsOver1ms: over1ms, callsOver2ms: over2ms, peakRssMb: process.resourceUsage().maxRSS / 1024 } });
