/**
 * A deterministic OpenAI-compatible `/v1/completions` server for log-likelihood requests: it echoes
 * the prompt's tokens with log-probabilities and `top_logprobs` that depend only on each token and
 * the one before it, and appends one generated token. Token-id prompts (lm-eval's
 * `local-completions`, exptrack with a tokenizer) and text prompts (split into words, with
 * `text_offset`) are both answered. It records every request body.
 *
 * The model name of the request is part of every value, so two "checkpoints" score differently.
 *
 * Run standalone (used by scripts/lm-eval-mc/generate.py): `node --import tsx test/eval/helpers/fake-logprob-server.ts --serve`
 * prints `PORT <n>` and serves until killed; `--log FILE` appends each body as a JSON line.
 */
import { appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** FNV-1a, 32 bits. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The log-probability of token `token` after token `previous`, and the best alternative's: values
 * are multiples of 1/64 (exact in binary, so sums do not depend on their order); one token in four
 * is the greedy one.
 */
export function fakeLogprob(model: string, previous: number, token: number): { logprob: number; top: Record<string, number> } {
  const h = fnv1a(`${model}|${previous},${token}`);
  const logprob = -((h % 1000) + 1) / 64;
  const greedy = (h >>> 12) % 4 === 0;
  return { logprob, top: greedy ? { [`t${token}`]: logprob } : { alt: logprob + 0.5 } };
}

/** Splits a text prompt as the fake server tokenizes it: words with their leading whitespace. */
export function fakeTextTokens(text: string): Array<{ token: string; offset: number }> {
  const out: Array<{ token: string; offset: number }> = [];
  const chars = [...text];
  let i = 0;
  while (i < chars.length) {
    const start = i;
    while (i < chars.length && /\s/u.test(chars[i]!)) i++;
    while (i < chars.length && !/\s/u.test(chars[i]!)) i++;
    out.push({ token: chars.slice(start, i).join(''), offset: start });
  }
  return out;
}

const GENERATED = 0;

function choiceFor(model: string, ids: number[], tokens: string[], offsets: number[], index: number) {
  const all = [...ids, GENERATED];
  const tokenLogprobs: Array<number | null> = [null];
  const top: Array<Record<string, number> | null> = [null];
  for (let i = 1; i < all.length; i++) {
    const lp = fakeLogprob(model, all[i - 1]!, all[i]!);
    tokenLogprobs.push(lp.logprob);
    top.push(lp.top);
  }
  const end = offsets.length ? offsets[offsets.length - 1]! + [...tokens[tokens.length - 1]!].length : 0;
  return {
    index,
    text: '',
    finish_reason: 'length',
    logprobs: { tokens: [...tokens, 't0'], token_logprobs: tokenLogprobs, top_logprobs: top, text_offset: [...offsets, end] },
  };
}

/** Answers one request body. */
export function answer(body: Record<string, unknown>): Record<string, unknown> {
  const prompt = body.prompt;
  const prompts: unknown[] = Array.isArray(prompt) && (prompt.length === 0 || Array.isArray(prompt[0]) || typeof prompt[0] === 'string') ? prompt : [prompt];
  const model = String(body.model);
  const choices = prompts.map((p, index) => {
    if (typeof p === 'string') {
      const toks = fakeTextTokens(p);
      return choiceFor(
        model,
        toks.map((t) => fnv1a(t.token) % 50000),
        toks.map((t) => t.token),
        toks.map((t) => t.offset),
        index,
      );
    }
    const ids = p as number[];
    return choiceFor(model, ids, ids.map((id) => `t${id}`), ids.map((_, i) => i), index);
  });
  return { id: 'cmpl-fake', object: 'text_completion', model: body.model, choices, usage: { prompt_tokens: 0, completion_tokens: choices.length } };
}

/** Starts the server on 127.0.0.1 (random port unless given). */
export async function startFakeLogprobServer(options: { port?: number; latencyMs?: number; log?: (body: Record<string, unknown>) => void } = {}): Promise<{ server: Server; baseURL: string; bodies: Array<Record<string, unknown>>; close(): Promise<void> }> {
  const bodies: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/completions') {
        res.writeHead(404).end('not found');
        return;
      }
      const body = JSON.parse(raw) as Record<string, unknown>;
      bodies.push(body);
      options.log?.(body);
      const send = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(body)));
      if (options.latencyMs) setTimeout(send, options.latencyMs);
      else send();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    baseURL: `http://127.0.0.1:${port}/v1`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1]?.endsWith('fake-logprob-server.ts') && process.argv.includes('--serve')) {
  const logAt = process.argv.indexOf('--log');
  const logFile = logAt > 0 ? process.argv[logAt + 1] : undefined;
  const s = await startFakeLogprobServer(logFile ? { log: (b) => appendFileSync(logFile, JSON.stringify(b) + '\n') } : {});
  process.stdout.write(`PORT ${new URL(s.baseURL).port}\n`);
}
