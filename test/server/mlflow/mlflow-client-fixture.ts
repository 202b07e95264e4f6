// MLflow's own Python client, found through EXPTRACK_TEST_MLFLOW_VENV (made by
// ../shared/tools/python-wheels/install-mlflow-client.sh; .ci/run installs it). Tests that drive it
// skip with a message where the folder or its python is missing.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const VENV = process.env.EXPTRACK_TEST_MLFLOW_VENV ?? '';
export const MLFLOW_PYTHON = VENV === '' ? '' : join(VENV, 'bin', 'python');
export const hasMlflowClient = MLFLOW_PYTHON !== '' && existsSync(MLFLOW_PYTHON);
export const MLFLOW_SKIP_REASON = hasMlflowClient
  ? ''
  : ` (skipped: set EXPTRACK_TEST_MLFLOW_VENV to a virtual environment made by install-mlflow-client.sh${VENV === '' ? '' : `; ${MLFLOW_PYTHON} is missing`})`;

/** A fixture script's path. */
export const script = (name: string) => join(import.meta.dirname, '../../fixtures/mlflow', name);

/** Runs a Python script with MLFLOW_TRACKING_URI set; resolves to its stdout, rejects with its stderr. */
export function runPython(file: string, trackingUri: string, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = startPython(file, trackingUri);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`python exited ${code}:\n${stderr.slice(-4000)}`));
    });
  });
}

/** Starts a Python script with MLFLOW_TRACKING_URI set. */
export function startPython(file: string, trackingUri: string): ChildProcess {
  return spawn(MLFLOW_PYTHON, [file], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', MLFLOW_TRACKING_URI: trackingUri, MLFLOW_DISABLE_TELEMETRY: 'true', MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', GIT_PYTHON_REFRESH: 'quiet' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
