/**
 * One HTTP PUT of a file, streamed from disk with backpressure, so memory stays flat whatever the
 * size: Node 20's `fetch` holds an uploaded body in memory (a 512 MiB file, as a `Blob` or as a
 * stream, peaked at 588–595 MB RSS; through this PUT, 87 MB). Used by the W&B backend for signed
 * upload URLs and by `HttpBackend` for blobs. Node's modules are loaded when a PUT runs, never
 * imported, so a browser bundle of `HttpBackend` (which then uses `fetch`) holds none of them.
 * @module
 */
import type { IncomingMessage, ClientRequest, RequestOptions } from 'node:http';

/** Bytes to PUT: a file, streamed, or bytes in memory. */
export type PutSource = { path: string } | { bytes: Uint8Array };

/** The answer to a PUT. */
export interface PutAnswer {
  status: number;
  text: string;
  retryAfter: string | null;
}

const load = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

type RequestFunction = (url: URL, options: RequestOptions) => ClientRequest;

/**
 * PUTs the bytes with `content-length: size` and only the headers given: a signed URL may be signed
 * for the content type, so none is added.
 *
 * @example
 * ```ts
 * const answer = await putFile(url, { authorization: `Bearer ${token}` }, { path: 'model.bin' }, size, AbortSignal.timeout(60_000));
 * if (answer.status >= 400) throw new Error(answer.text);
 * ```
 * @param url - where to PUT
 * @param headers - headers to send
 * @param source - a file (streamed) or bytes
 * @param size - the number of bytes
 * @param signal - aborts the request
 * @returns the status and body of the answer
 * @throws the network or file error as Node raised it
 */
export async function putFile(url: string, headers: Record<string, string>, source: PutSource, size: number, signal: AbortSignal): Promise<PutAnswer> {
  const target = new URL(url);
  const [http, https, fs, stream, streamPromises] = (await Promise.all(['node:http', 'node:https', 'node:fs', 'node:stream', 'node:stream/promises'].map(load))) as [
    { request: RequestFunction },
    { request: RequestFunction },
    typeof import('node:fs'),
    typeof import('node:stream'),
    typeof import('node:stream/promises'),
  ];
  // The file is opened first: one that cannot be read fails with its own error (and path), before any request.
  const body = 'bytes' in source ? stream.Readable.from([source.bytes]) : await opened(fs.createReadStream(source.path, { highWaterMark: 1 << 20 }));
  const request = target.protocol === 'https:' ? https.request : http.request;
  const req = request(target, { method: 'PUT', headers: { ...headers, 'content-length': String(size) }, signal });
  const answer = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  // A failed read of the file destroys the request, which rejects `answer`.
  const sending = streamPromises.pipeline(body, req);
  sending.catch(() => undefined);
  const response = await answer;
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  // A server may answer (403, 400) before it read the whole body: stop sending then.
  if (!req.writableFinished) req.destroy();
  else await sending;
  const retryAfter = response.headers['retry-after'];
  return { status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfter: typeof retryAfter === 'string' ? retryAfter : null };
}

function opened<T extends import('node:fs').ReadStream>(file: T): Promise<T> {
  return new Promise((resolve, reject) => {
    file.once('ready', () => resolve(file));
    file.once('error', reject);
  });
}
