/**
 * One HTTP PUT of a file to a signed upload URL, streamed from disk with backpressure, so memory
 * stays flat whatever the size (Node's fetch holds an uploaded body in memory: a 512 MB file grew
 * the process by 512 MB when measured).
 * @module
 */
import { createReadStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactFileSource } from './artifact-manifest.js';

/** The answer to a PUT. */
export interface PutAnswer {
  status: number;
  text: string;
  retryAfter: string | null;
}

/**
 * PUTs the bytes with `content-length: size` and only the headers given, as the wandb SDK does: a
 * signed URL may be signed for the content type, so none is added.
 *
 * @param url - the signed URL
 * @param headers - headers to send (W&B's `uploadHeaders`)
 * @param source - a file (streamed) or bytes
 * @param size - the number of bytes
 * @param signal - aborts the request
 * @returns the status and body of the answer
 * @throws the network or file error as Node raised it
 */
export async function putFile(url: string, headers: Record<string, string>, source: ArtifactFileSource, size: number, signal: AbortSignal): Promise<PutAnswer> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = request(target, { method: 'PUT', headers: { ...headers, 'content-length': String(size) }, signal });
  const answer = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  const body = 'bytes' in source ? Readable.from([source.bytes]) : createReadStream(source.path, { highWaterMark: 1 << 20 });
  // A failed read of the file destroys the request, which rejects `answer`.
  const sending = pipeline(body, req);
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
