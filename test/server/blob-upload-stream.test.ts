// On Node, HttpBackend PUTs an artifact file with Node's HTTP client, streamed from disk (Node 20's
// fetch holds a whole body in memory; the memory is measured by `npm run bench -- artifacts`). Here:
// what goes on the wire, and how each failure is told apart.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ExptrackError } from 'exptrack';
import { BlobTransfer, HttpClient, RequestFailure } from '../../src/backends/http/http-client.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-blob-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DIGEST = `sha256:${'a'.repeat(64)}`;

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server that reads each request whole, keeps it, and answers `status` with `body`. */
async function recordingServer(status: number, body = '{}', headers: Record<string, string> = {}): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received };
}

function transfer(url: string, streamFiles: boolean): BlobTransfer {
  const options = { url, token: 'write-token', fetch: globalThis.fetch, requestTimeoutMs: 5_000, streamFiles };
  return new BlobTransfer(new HttpClient(options), options);
}

describe('HttpBackend: a file upload streamed by Node', () => {
  it('PUTs the file to /api/v1/blobs/<digest> with its length, the token and the octet-stream type', async () => {
    const bytes = randomBytes(3 * 2 ** 20 + 17);
    const path = join(dir, 'model.bin');
    writeFileSync(path, bytes);
    const { url, received } = await recordingServer(200);
    await transfer(url, true).upload({ digest: DIGEST, size: bytes.length, path });
    expect(received).toHaveLength(1);
    const [put] = received;
    expect(put).toMatchObject({ method: 'PUT', url: `/api/v1/blobs/${DIGEST}` });
    expect(put!.headers).toMatchObject({ 'content-length': String(bytes.length), authorization: 'Bearer write-token', 'content-type': 'application/octet-stream' });
    expect(put!.body.equals(bytes)).toBe(true);
  });

  it('sends the same request as the fetch path, byte for byte in the body', async () => {
    const bytes = randomBytes(4096);
    const path = join(dir, 'small.bin');
    writeFileSync(path, bytes);
    const { url, received } = await recordingServer(200);
    await transfer(url, true).upload({ digest: DIGEST, size: bytes.length, path });
    await transfer(url, false).upload({ digest: DIGEST, size: bytes.length, path });
    const [streamed, fetched] = received;
    expect(streamed!.url).toBe(fetched!.url);
    expect(streamed!.body.equals(fetched!.body)).toBe(true);
    for (const header of ['content-length', 'authorization', 'content-type']) expect(streamed!.headers[header]).toBe(fetched!.headers[header]);
  });

  it('a file that cannot be read is not_found naming the path, not a network failure to retry', async () => {
    const { url, received } = await recordingServer(200);
    const path = join(dir, 'gone.bin');
    const failure = await transfer(url, true).upload({ digest: DIGEST, size: 10, path }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ExptrackError);
    expect(failure).not.toBeInstanceOf(RequestFailure);
    expect(failure).toMatchObject({ code: 'not_found', field: 'path' });
    expect((failure as Error).message).toContain(`cannot read ${path} to upload it`);
    expect(received).toEqual([]);
  });

  it("the server's refusal keeps its status, code and Retry-After, as on the fetch path", async () => {
    const path = join(dir, 'refused.bin');
    writeFileSync(path, 'x'.repeat(100));
    const { url } = await recordingServer(400, JSON.stringify({ error: 'size does not match', code: 'invalid_input', field: 'size' }));
    const refused = await transfer(url, true).upload({ digest: DIGEST, size: 100, path }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RequestFailure);
    expect(refused).toMatchObject({ status: 400, code: 'invalid_input', field: 'size', isRetryable: false });
    await new Promise<void>((resolve) => server!.close(() => resolve()));

    await recordingServer(503, '{"error":"busy"}', { 'retry-after': '2' });
    const busyUrl = `http://127.0.0.1:${(server!.address() as { port: number }).port}`;
    const busy = await transfer(busyUrl, true).upload({ digest: DIGEST, size: 100, path }).catch((e: unknown) => e);
    expect(busy).toMatchObject({ status: 503, code: 'unavailable', retryAfterMs: 2_000, isRetryable: true });
  });

  it('no server answering is unavailable and worth retrying', async () => {
    const path = join(dir, 'nobody.bin');
    writeFileSync(path, 'bytes');
    const failure = await transfer('http://127.0.0.1:1', true).upload({ digest: DIGEST, size: 5, path }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RequestFailure);
    expect(failure).toMatchObject({ code: 'unavailable', status: null, isRetryable: true });
  });
});
