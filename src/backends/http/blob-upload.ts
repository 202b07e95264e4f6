/**
 * The bytes a batch of `HttpBackend` names: artifact files and images, uploaded to the server
 * (`PUT /api/v1/blobs/:digest`) before the batch, which then names them by digest and size only.
 * On Node a file is streamed from disk by Node's HTTP client (`artifacts/put-file.ts`); with a
 * `fetch` of the caller's it is given as `fs.openAsBlob` (Node's modules are loaded at run time: a
 * browser bundle never sees them), which fails the read of a file that changed meanwhile.
 * @module
 */
import type { BlobSource } from '../../core/artifacts.js';
import type { TrackerEvent } from '../../core/backend.js';

/** Imports by a computed specifier: bundlers do not follow it. */
const load = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

/** A blob a queued batch needs on the server first; `sent` once the server has it. */
export type PendingBlob = { digest: string; size: number; sent?: boolean } & ({ path: string } | { bytes: Uint8Array });

/** A pending blob as the delivery ledger keeps it (bytes as base64). */
export type LedgerBlob = { digest: string; size: number } & ({ path: string } | { base64: string });

/**
 * Splits a batch into the events the server is sent (no paths, no bytes) and the blobs to
 * upload before it.
 *
 * @param events - a batch
 * @returns the events to send and the blobs, each digest once
 */
export function separateContent(events: readonly TrackerEvent[]): { events: TrackerEvent[]; blobs: PendingBlob[] } {
  const blobs = new Map<string, PendingBlob>();
  const out = events.map((event): TrackerEvent => {
    if (event.type === 'artifact') {
      for (const source of event.sources) if (!blobs.has(source.digest)) blobs.set(source.digest, { ...source });
      // On the wire a source is its digest and size only; the server gives it the uploaded bytes.
      return { ...event, sources: event.sources.map((s) => ({ digest: s.digest, size: s.size }) as unknown as BlobSource) };
    }
    if (event.type === 'media' && event.bytes !== undefined) {
      if (event.media.kind === 'image' && !blobs.has(event.media.digest)) blobs.set(event.media.digest, { digest: event.media.digest, size: event.media.size, bytes: event.bytes });
      return { type: 'media', experimentId: event.experimentId, media: event.media };
    }
    return event;
  });
  return { events: out, blobs: [...blobs.values()] };
}

/** What `fetch` is given as the body of a blob's upload. */
export async function uploadBody(blob: PendingBlob): Promise<Blob | Uint8Array> {
  if ('bytes' in blob) return blob.bytes;
  const fs = (await load('node:fs')) as { openAsBlob(path: string): Promise<Blob> };
  return fs.openAsBlob(blob.path);
}

/** A pending blob for the ledger. */
export function toLedgerBlob(blob: PendingBlob): LedgerBlob {
  if ('path' in blob) return { digest: blob.digest, size: blob.size, path: blob.path };
  return { digest: blob.digest, size: blob.size, base64: toBase64(blob.bytes) };
}

/** A blob read back from the ledger; undefined for a line that is not one. */
export function fromLedgerBlob(raw: unknown): PendingBlob | undefined {
  const b = raw as Partial<LedgerBlob & { path: string; base64: string }>;
  if (typeof b?.digest !== 'string' || typeof b.size !== 'number') return undefined;
  if (typeof b.path === 'string') return { digest: b.digest, size: b.size, path: b.path };
  if (typeof b.base64 === 'string') return { digest: b.digest, size: b.size, bytes: fromBase64(b.base64) };
  return undefined;
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
