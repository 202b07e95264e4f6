// One writer of bench/server.ts: logs <points> metric points (two metrics per step) into
// `sqlite <path>`, `postgres <url with ?schema=>` or `http <server url>`, and prints when it started
// and finished logging (epoch ms) and the CPU it spent meanwhile (all its threads, ms), so the parent can
// compute aggregate throughput and CPU per point.
import { ExperimentTracker, type Backend } from 'exptrack';

const [kind, target, count] = process.argv.slice(2) as [string, string, string];
const points = Number(count);
let backend: Backend;
if (kind === 'http') backend = new (await import('exptrack/http')).HttpBackend({ url: target });
else if (kind === 'postgres') {
  const url = new URL(target);
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  backend = new (await import('exptrack/postgres')).PostgresBackend({ connectionString: url.toString(), ...(schema ? { schema } : {}) });
}
else backend = new (await import('exptrack/sqlite')).SqliteBackend({ path: target });
const tracker = new ExperimentTracker({ backends: [backend], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
await tracker.startExperiment({ bench: true });
// Unmeasured: a first batch through to the store, so that what happens once per process (loading
// modules, starting a write thread, opening connections) is not counted per point.
for (let step = 0; step < 1_000; step++) tracker.logMetrics({ warm_up: step }, step);
await tracker.flush();
const started = Date.now();
const cpuBefore = process.cpuUsage();
for (let step = 0; step < points / 2; step++) {
  tracker.logMetrics({ loss: 1 / (step + 1), acc: step / points }, step);
  if (step % 5_000 === 4_999) await new Promise((r) => setImmediate(r));
}
const reports = await tracker.finishExperiment();
const finished = Date.now();
const cpu = process.cpuUsage(cpuBefore);
await tracker.close();
if (reports.some((r) => !r.ok)) throw new Error(`the tracker reported a failure: ${JSON.stringify(reports)}`);
process.stdout.write(JSON.stringify({ started, finished, cpuMs: (cpu.user + cpu.system) / 1000 }));
