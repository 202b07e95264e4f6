// The MLflow API: how long MLflow's own Python client waits for `log_batch` of 1,000 metrics, answered
// by `exptrack server` on SQLite, and by MLflow's tracking server on SQLite when it can run here
// (target: exptrack faster; the ratio is printed). MLflow's client comes from the folder
// EXPTRACK_TEST_MLFLOW_VENV names (../shared/tools/python-wheels/install-mlflow-client.sh). The
// wheels hold mlflow-skinny, without the server's dependencies; MLflow's server (`mlflow server`, job
// execution off: huey is not in the mirror) runs from that folder once these are added from the
// package mirror, and is reported missing otherwise:
//   VENV/bin/python -m pip install "flask<4" "sqlalchemy<3,>=1.4.0" "alembic<2,!=1.10.0" "Flask-CORS<7" numpy pandas
// Prints numbers; asserts nothing.
//   EXPTRACK_TEST_MLFLOW_VENV=/path/to/venv npx tsx bench/mlflow.ts [requests]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBackend } from 'exptrack/sqlite';
import { mlflowMounts } from '../src/server/mlflow/mlflow-routes.js';
import { startTrackingServer } from '../src/server/tracking-server.js';

const venv = process.env.EXPTRACK_TEST_MLFLOW_VENV ?? '';
const python = join(venv, 'bin', 'python');
const requests = Number(process.argv[2] ?? 30);
const dir = mkdtempSync(join(tmpdir(), 'exptrack-bench-mlflow-'));

// Times `requests` log_batch calls of 1,000 metrics each (after 3 warm-up calls) through the client.
const CLIENT = `
import json, sys, time
from mlflow import MlflowClient
from mlflow.entities import Metric
client = MlflowClient()
eid = client.create_experiment("bench-%d" % int(time.time() * 1000))
rid = client.create_run(eid).info.run_id
def batch(i):
    now = int(time.time() * 1000)
    return [Metric("m%d" % (j % 10), j * 0.001, now, i * 100 + j // 10) for j in range(1000)]
for i in range(3):
    client.log_batch(rid, metrics=batch(i))
times = []
for i in range(3, 3 + int(sys.argv[1])):
    metrics = batch(i)
    started = time.perf_counter()
    client.log_batch(rid, metrics=metrics)
    times.append((time.perf_counter() - started) * 1000)
times.sort()
print(json.dumps({"median": times[len(times) // 2], "p90": times[int(len(times) * 0.9)]}))
`;

/** Runs the timing client (asynchronously: the exptrack server answers from this process). */
function timeClient(url: string): Promise<{ median: number; p90: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', CLIENT, String(requests)], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', MLFLOW_TRACKING_URI: url, MLFLOW_DISABLE_TELEMETRY: 'true', GIT_PYTHON_REFRESH: 'quiet' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the MLflow client failed: ${err.slice(-2000)}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as { median: number; p90: number });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts MLflow's own tracking server on SQLite, or says why it cannot. */
async function startMlflowServer(): Promise<{ url: string; child: ChildProcess } | { reason: string }> {
  const port = await freePort();
  const child = spawn(python, ['-m', 'mlflow', 'server', '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`, '--artifacts-destination', join(dir, 'mlartifacts'), '--host', '127.0.0.1', '--port', String(port), '--workers', '1'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', MLFLOW_DISABLE_TELEMETRY: 'true', GIT_PYTHON_REFRESH: 'quiet', MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 500))]);
    if (done) return { reason: (err.trim().split('\n').at(-1) ?? 'it exited').slice(0, 300) };
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return { url, child };
  }
  child.kill('SIGTERM');
  return { reason: 'it did not answer /health within 60 s' };
}

if (venv === '' || !existsSync(python)) {
  console.log(`MLflow's client is missing: set EXPTRACK_TEST_MLFLOW_VENV to a folder made by install-mlflow-client.sh${venv === '' ? '' : ` (${python} is missing)`}; nothing measured`);
  process.exit(0);
}

const store = new SqliteBackend({ path: join(dir, 'exptrack.db') });
await store.init();
const server = await startTrackingServer({ store, port: 0, mounts: mlflowMounts({ store }) });
try {
  const ours = await timeClient(server.url);
  console.log(`exptrack server (SQLite): log_batch of 1,000 metrics through MLflow's client, ${requests} calls: median ${ours.median.toFixed(1)} ms, p90 ${ours.p90.toFixed(1)} ms`);
  const mlflow = await startMlflowServer();
  if ('reason' in mlflow) {
    console.log(`MLflow's own tracking server cannot run from ${venv} (${mlflow.reason}): add its dependencies (see the head of bench/mlflow.ts) for the ratio; target: exptrack faster than MLflow's server on SQLite`);
  } else {
    try {
      const theirs = await timeClient(mlflow.url);
      console.log(`MLflow tracking server (SQLite): median ${theirs.median.toFixed(1)} ms, p90 ${theirs.p90.toFixed(1)} ms`);
      console.log(`ratio MLflow / exptrack (median): ${(theirs.median / ours.median).toFixed(2)} (target: > 1)`);
    } finally {
      mlflow.child.kill('SIGTERM');
    }
  }
} finally {
  await server.close(1_000);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
