// Spawns the child scripts of test/fixtures the way a user would run them: node --import tsx.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface ChildResult {
  id: string;
  errors: string[];
}

/** Runs a fixture script to completion; rejects with its stderr when it exits non-zero or hangs. */
export function runChild(script: string, args: string[], env: Record<string, string> = {}, timeoutMs = 240_000): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const path = join(import.meta.dirname, '../fixtures', script);
    const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${args.join(' ')} did not exit within ${timeoutMs} ms (a deadlock, or a pool keeping it alive); stderr: ${err}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${script} exited ${code ?? signal}: ${err}`));
      try {
        resolve(JSON.parse(out) as ChildResult);
      } catch {
        reject(new Error(`${script} printed no result: ${out} ${err}`));
      }
    });
  });
}
