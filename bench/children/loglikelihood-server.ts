/**
 * The bench's fake `/completions` server, in its own process so that its CPU is not counted as the
 * client's: it echoes each prompt's tokens with log-probabilities (and `top_logprobs`) after a fixed
 * delay per call. Prints its port on stdout; on the IPC message 'cpu' it answers its CPU time in ms
 * since start; on 'stop' it closes.
 * Run by bench/eval-mc.ts: node --import tsx bench/children/loglikelihood-server.ts <latencyMs>
 */
import { createServer } from 'node:http';

const latencyMs = Number(process.argv[2] ?? 5);

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    const prompts = (JSON.parse(body) as { prompt: number[][] }).prompt;
    const choices = prompts.map((ids, index) => {
      const n = ids.length + 1;
      const token_logprobs: Array<number | null> = [null];
      const top_logprobs: Array<Record<string, number> | null> = [null];
      for (let i = 1; i < n; i++) {
        const lp = -((ids[i] ?? 7) % 97) / 16 - 0.0625;
        token_logprobs.push(lp);
        top_logprobs.push({ a: i % 3 ? lp + 0.5 : lp });
      }
      return { index, text: '', logprobs: { token_logprobs, top_logprobs, tokens: ids.map(String).concat('x'), text_offset: [] } };
    });
    const out = JSON.stringify({ choices });
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    }, latencyMs);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (message) => {
  if (message === 'cpu') {
    const c = process.cpuUsage();
    process.send?.({ cpuMs: (c.user + c.system) / 1000 });
  } else if (message === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
