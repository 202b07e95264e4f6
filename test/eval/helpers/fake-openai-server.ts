import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake server does for one request. */
export interface ScriptedReply {
  text?: string;
  /** Delay before answering. */
  latencyMs?: number;
  /** Answer with this HTTP status and an error body instead. */
  status?: number;
  /** The retry-after header (seconds) sent with an error status. */
  retryAfter?: string;
  /** Never answer. */
  hang?: boolean;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

/** One request the fake server received. */
export interface ReceivedRequest {
  endpoint: 'chat' | 'completions';
  body: Record<string, unknown>;
  /** The prompt text (completions) or the last user message (chat). */
  prompt: string;
  /** 1 for the first request with this prompt, 2 for its first retry... */
  seen: number;
  authorization: string | undefined;
}

export interface FakeServer {
  baseURL: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible server on 127.0.0.1 (random port) answering /v1/chat/completions and
 * /v1/completions with scripted replies.
 */
export async function startFakeOpenAIServer(reply: (req: ReceivedRequest) => ScriptedReply): Promise<FakeServer> {
  const requests: ReceivedRequest[] = [];
  const seen = new Map<string, number>();
  const pending = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const endpoint = req.url === '/v1/chat/completions' ? 'chat' : req.url === '/v1/completions' ? 'completions' : undefined;
      if (!endpoint || req.method !== 'POST') {
        res.writeHead(404).end('not found');
        return;
      }
      const body = JSON.parse(raw) as Record<string, unknown>;
      const messages = body.messages as Array<{ role: string; content: string }> | undefined;
      const prompt = endpoint === 'chat' ? [...(messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? '' : String(body.prompt);
      const key = `${endpoint}\u0000${JSON.stringify(messages ?? body.prompt)}`;
      const count = (seen.get(key) ?? 0) + 1;
      seen.set(key, count);
      const received: ReceivedRequest = { endpoint, body, prompt, seen: count, authorization: req.headers.authorization };
      requests.push(received);
      const r = reply(received);
      if (r.hang) {
        pending.add(res);
        res.on('close', () => pending.delete(res));
        return;
      }
      const send = () => {
        if (r.status && r.status >= 400) {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (r.retryAfter !== undefined) headers['retry-after'] = r.retryAfter;
          res.writeHead(r.status, headers).end(JSON.stringify({ error: { message: `scripted ${r.status}` } }));
          return;
        }
        const usage = r.usage ?? { prompt_tokens: prompt.length, completion_tokens: (r.text ?? '').length };
        const choice = endpoint === 'chat' ? { index: 0, message: { role: 'assistant', content: r.text ?? '' }, finish_reason: 'stop' } : { index: 0, text: r.text ?? '', finish_reason: 'stop' };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'x', object: 'completion', choices: [choice], usage }));
      };
      if (r.latencyMs) setTimeout(send, r.latencyMs);
      else send();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of pending) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
