/**
 * Peak memory of `exptrack eval` against a model server whose 200 response never ends (before the
 * bounded reads, such a server took the CLI to 11-14 GB before it was killed). Runs the built CLI
 * (`npm run build` first) under `/usr/bin/time -f %M` with `--limit 1`, against a local server that
 * writes 64 KiB chunks for as long as the client reads, and prints the CLI's peak RSS, its exit
 * code, its wall time and how many bytes the server managed to send.
 *
 *   npm run build && npx tsx bench/eval-endless.ts [--max-response-bytes 4194304]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { 'max-response-bytes': { type: 'string' } } });
const bin = resolve(process.env.EXPTRACK_BUILT ?? '.', 'dist/cli/bin.js');
if (!existsSync(bin)) throw new Error('dist/cli/bin.js is missing: run `npm run build` first');
if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is needed to read the peak RSS of the CLI');

const dir = mkdtempSync(join(tmpdir(), 'exptrack-bench-endless-'));
const item = (i: number) => JSON.stringify({ question: `What is ${i} + ${i}?`, answer: `#### ${2 * i}` });
writeFileSync(join(dir, 'test.jsonl'), `${item(1)}\n`);
writeFileSync(join(dir, 'train.jsonl'), Array.from({ length: 8 }, (_, i) => item(i)).join('\n') + '\n');

let sent = 0;
const chunk = Buffer.alloc(64 * 1024, 'a');
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"choices":[{"text":"');
  const pump = () => {
    while (!res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) break;
    }
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;

const args = ['-f', '%M', process.execPath, bin, 'eval', 'gsm8k', '--model', 'endless', '--base-url', baseUrl, '--data', dir, '--limit', '1', '--db', join(dir, 'runs.db')];
if (values['max-response-bytes'] !== undefined) args.push('--max-response-bytes', values['max-response-bytes']);
const before = loadavg()[0]!.toFixed(2);
const t0 = performance.now();
const child = spawn('/usr/bin/time', args, { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
// A safety net: the unbounded client grew without end; stop it at 2 minutes.
const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
clearTimeout(killer);
const wallMs = performance.now() - t0;
server.closeAllConnections();
server.close();

const lines = stderr.trim().split('\n');
const peakKb = Number(lines.at(-1));
console.log(`exptrack eval --limit 1 against an endless 200 response (load ${before} -> ${loadavg()[0]!.toFixed(2)})`);
console.log(`  peak RSS       ${(peakKb / 1024).toFixed(1)} MiB`);
console.log(`  exit code      ${code}`);
console.log(`  wall time      ${(wallMs / 1000).toFixed(1)} s`);
console.log(`  server sent    ${(sent / 1024 / 1024).toFixed(1)} MiB into the socket before the client stopped reading`);
console.log(`  CLI said       ${lines.find((l) => l.startsWith('exptrack:')) ?? '(nothing)'}`);
