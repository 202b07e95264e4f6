/**
 * Runner efficiency: 1,000 GSM8K-style samples at concurrency 32 against a local OpenAI-compatible
 * server that answers every request after a fixed 20 ms. Ideal time = n x latency / concurrency;
 * the target is elapsed / ideal <= 1.2. Prints numbers; asserts nothing.
 * Run: npx tsx bench/eval-runner.ts [samples] [concurrency] [latencyMs]
 */
import { cpus, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { evaluate, Gsm8kBenchmark, openAICompatibleModel } from 'exptrack/eval';

const n = Number(process.argv[2] ?? 1000);
const concurrency = Number(process.argv[3] ?? 32);
const latencyMs = Number(process.argv[4] ?? 20);

// The server runs in its own thread, so its work does not share the client's event loop.
const serverCode = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const prompt = String(JSON.parse(body).prompt ?? '');
    const m = /item (\\d+)/.exec(prompt);
    const i = m ? m[1] : '0';
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, text: ' It is ' + i + '.\\n#### ' + i, finish_reason: 'stop' }], usage: { prompt_tokens: 20, completion_tokens: 8 } }));
    }, workerData.latencyMs);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => server.close(() => process.exit(0)));
`;
const worker = new Worker(serverCode, { eval: true, workerData: { latencyMs } });
const port = await new Promise<number>((resolve) => worker.once('message', resolve));
const baseURL = `http://127.0.0.1:${port}/v1`;

const records = Array.from({ length: n }, (_, i) => ({ question: `What is item ${i}?`, answer: `It is ${i}.\n#### ${i}` }));
const benchmark = new Gsm8kBenchmark({ records: { test: records }, numFewshot: 0 });
const model = openAICompatibleModel({ baseURL, model: 'bench', endpoint: 'completions', apiKey: 'bench' });


const bareFetch = async () => {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const res = await fetch(`${baseURL}/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'bench', prompt: `Question: What is item ${i}?\nAnswer:`, max_tokens: 256 }),
        });
        await res.json();
      }
    }),
  );
};

// Warm-up (not timed): one full pass of each, so connections are open and the code is compiled.
await evaluate({ model, benchmark, concurrency, cache: false });
await bareFetch();

// Runner and a bare fetch pool (the same requests, no runner) alternate, so machine load hits both
// alike; the bare pool separates the runner's own overhead from HTTP and machine load.
const runs: number[] = [];
const runCpu: number[] = [];
const baseline: number[] = [];
const baselineCpu: number[] = [];
let last: Awaited<ReturnType<typeof evaluate>> | undefined;
for (let r = 0; r < 3; r++) {
  let c0 = process.cpuUsage();
  let t0 = performance.now();
  last = await evaluate({ model, benchmark, concurrency, cache: false });
  runs.push(performance.now() - t0);
  let c = process.cpuUsage(c0);
  runCpu.push((c.user + c.system) / 1000);
  c0 = process.cpuUsage();
  t0 = performance.now();
  await bareFetch();
  baseline.push(performance.now() - t0);
  c = process.cpuUsage(c0);
  baselineCpu.push((c.user + c.system) / 1000);
}
await worker.terminate();

// The runner without HTTP: a model function that resolves after the same latency.
const noHttp: number[] = [];
const sleepModel = (prompt: unknown) =>
  new Promise<string>((resolve) => setTimeout(() => resolve(`#### ${/item (\d+)/.exec(String(prompt))?.[1]}`), latencyMs));
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  await evaluate({ model: sleepModel, benchmark, concurrency, cache: false });
  noHttp.push(performance.now() - t0);
}

const ideal = (n * latencyMs) / concurrency;
const best = Math.min(...runs);
const median = [...runs].sort((a, b) => a - b)[1]!;
console.log(`eval runner: ${n} samples, concurrency ${concurrency}, server latency ${latencyMs} ms`);
console.log(`  ideal      ${ideal.toFixed(1)} ms  (n x latency / concurrency)`);
console.log(`  elapsed    ${runs.map((x) => x.toFixed(1)).join(' / ')} ms  (3 runs)`);
console.log(`  ratio      ${(median / ideal).toFixed(3)} median, ${(best / ideal).toFixed(3)} best  (target <= 1.2)`);
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
console.log(`  bare fetch ${baseline.map((x) => x.toFixed(1)).join(' / ')} ms  -> runner / bare fetch = ${(median / med(baseline)).toFixed(3)} (wall, interleaved runs)`);
console.log(`  client CPU runner ${(med(runCpu) / n).toFixed(3)} ms/request, bare fetch ${(med(baselineCpu) / n).toFixed(3)} ms/request (load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs)`);
console.log(`  no HTTP    ${noHttp.map((x) => x.toFixed(1)).join(' / ')} ms  -> ratio ${(med(noHttp) / ideal).toFixed(3)} (runner scheduling with a 20 ms in-process model)`);
console.log(`  accuracy   ${last!.metrics.accuracy}  errors ${last!.metrics.n_errors}  p50 latency ${last!.metrics.latency_p50_ms!.toFixed(1)} ms  p95 ${last!.metrics.latency_p95_ms!.toFixed(1)} ms`);
