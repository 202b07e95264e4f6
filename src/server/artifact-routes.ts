/**
 * Artifacts and media through the exptrack API (mounted under `/api/v1` beside the tracking
 * routes): blob uploads before the batches that name them, the artifact and media reads of the
 * store, their bytes streamed as attachments, and garbage collection.
 *
 * - `PUT /blobs/:digest` (write): the bytes of one blob, hashed as they arrive and refused unless
 *   they are the digest's; at most `maxBlobBytes`; idempotent (a staged blob is not read again).
 * - `POST /blobs/missing` (write), body `{ "digests": ["sha256:…", …] }` (at most 10,000): answers
 *   `{ "missing": [...] }`, the digests neither staged nor in the store's blob store, in the order
 *   asked. A client uploads only those; a batch may then name a blob the store holds without
 *   uploading it.
 * - `GET /experiments/:id/artifacts`, `/lineage`, `/media-keys`, `/media?key=K` (read): JSON.
 * - `GET /experiments/:id/artifacts/:name/content?version=N&file=F` and
 *   `GET /experiments/:id/media/:key/content?step=S` (read): the bytes, streamed, as an attachment
 *   with `X-Content-Type-Options: nosniff`.
 * - `POST /gc` (write), body `{ "dryRun": true }`: the store's garbage collection.
 * @module
 */
import { encodeWireJson, ExptrackError, hasArtifacts, type ArtifactReader, type Backend, type TrackerEvent } from 'exptrack';
import type { BlobStaging } from './blob-staging.js';
import { HttpError, readJsonBody } from './http.js';
import type { Answer, Route } from './router.js';

/** Options of {@link artifactRoutes}. */
export interface ArtifactRoutesOptions {
  /** The store reads go to. */
  store: Backend;
  /** Where uploaded blobs wait for their batch. */
  staging: BlobStaging;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** Most digests one `POST /blobs/missing` may ask about. */
export const MAX_MISSING_QUERY = 10_000;
/** How many digests are looked up at once (an S3 store answers each with a request). */
const LOOKUP_CONCURRENCY = 16;

/**
 * The artifact routes of the exptrack API.
 *
 * @param options - the store and the staging area
 * @returns the routes, to mount under `/api/v1`
 * @example
 * ```ts
 * const staging = await BlobStaging.create({ maxBlobBytes: 8 * 2 ** 30 });
 * const router = new Router().mount('/api/v1', artifactRoutes({ store, staging }));
 * ```
 */
export function artifactRoutes(options: ArtifactRoutesOptions): Route[] {
  const { staging } = options;
  const reader = (): Backend & ArtifactReader => {
    if (!hasArtifacts(options.store)) throw new ExptrackError(`the server's ${options.store.name} store keeps no artifacts`, { code: 'unsupported' });
    return options.store;
  };
  const json = (value: unknown, cacheable = true): Answer => ({ status: 200, body: encodeWireJson(value), contentType: JSON_TYPE, cacheable });
  return [
    {
      method: 'PUT',
      path: '/blobs/:digest',
      access: 'write',
      async handle(ctx) {
        const digest = ctx.params.digest!;
        if (!DIGEST.test(digest)) throw new HttpError(400, 'the digest must be "sha256:" and 64 lowercase hex digits');
        const declared = ctx.req.headers['content-length'] === undefined ? undefined : Number(ctx.req.headers['content-length']);
        const stored = await staging.receive(digest, ctx.req, declared);
        return json({ digest, stored }, false);
      },
    },
    {
      method: 'POST',
      path: '/blobs/missing',
      access: 'write',
      async handle(ctx) {
        const body = (await readJsonBody(ctx.req, MAX_MISSING_QUERY * 80 + 1024)) as { digests?: unknown } | null;
        const digests = body?.digests;
        if (!Array.isArray(digests) || digests.length > MAX_MISSING_QUERY) throw new HttpError(400, `digests must be an array of at most ${MAX_MISSING_QUERY} digests`);
        for (const [i, digest] of digests.entries()) {
          if (typeof digest !== 'string' || !DIGEST.test(digest)) throw new HttpError(400, `digests[${i}] must be "sha256:" and 64 lowercase hex digits`);
        }
        const held = storeHolds(options.store);
        const present = await mapLimited(digests as string[], LOOKUP_CONCURRENCY, async (digest) => (await staging.has(digest)) || (await held(digest)));
        return json({ missing: (digests as string[]).filter((_, i) => !present[i]) }, false);
      },
    },
    { method: 'GET', path: '/experiments/:id/artifacts', access: 'read', handle: async (ctx) => json(await reader().getArtifacts(ctx.params.id!)) },
    { method: 'GET', path: '/experiments/:id/lineage', access: 'read', handle: async (ctx) => json(await reader().getArtifactLineage(ctx.params.id!)) },
    { method: 'GET', path: '/experiments/:id/media-keys', access: 'read', handle: async (ctx) => json(await reader().getMediaKeys(ctx.params.id!)) },
    { method: 'GET', path: '/experiments/:id/media', access: 'read', handle: async (ctx) => json(await reader().getMedia(ctx.params.id!, ctx.query.required('key'))) },
    {
      method: 'GET',
      path: '/experiments/:id/artifacts/:name/content',
      access: 'read',
      async handle(ctx) {
        const version = ctx.query.string('version') === undefined ? undefined : ctx.query.integer('version', { min: 1, max: Number.MAX_SAFE_INTEGER, default: 1 });
        const file = ctx.query.string('file', 4096);
        const stream = await reader().readArtifactStream(ctx.params.id!, ctx.params.name!, { ...(version === undefined ? {} : { version }), ...(file === undefined ? {} : { file }) });
        return attachment(stream, 'application/octet-stream', file ?? ctx.params.name!);
      },
    },
    {
      method: 'GET',
      path: '/experiments/:id/media/:key/content',
      access: 'read',
      async handle(ctx) {
        const step = ctx.query.integer('step', { min: 0, max: Number.MAX_SAFE_INTEGER, default: -1 });
        if (step < 0) throw new HttpError(400, 'query parameter step is required');
        const store = reader();
        const key = ctx.params.key!;
        const item = (await store.getMedia(ctx.params.id!, key)).find((m) => m.step === step);
        const bytes = await store.readMedia(ctx.params.id!, key, { step });
        return attachment(single(bytes), item?.kind === 'image' ? item.mediaType : 'application/octet-stream', `${key}-${step}${item?.kind === 'image' && item.mediaType === 'image/jpeg' ? '.jpg' : '.png'}`);
      },
    },
    {
      method: 'POST',
      path: '/gc',
      access: 'write',
      async handle(ctx) {
        const body = (await readJsonBody(ctx.req, 1024)) as { dryRun?: unknown } | null;
        const dryRun = body?.dryRun;
        if (dryRun !== undefined && typeof dryRun !== 'boolean') throw new HttpError(400, 'dryRun must be true or false');
        return json(await reader().collectGarbage({ dryRun: dryRun ?? false }), false);
      },
    },
  ];
}

/**
 * Gives the artifact and image events of a checked batch the bytes their client uploaded before
 * it: artifact sources become the staged files, images their bytes. A blob that was not uploaded
 * but that the store's blob store holds already (the client asked `POST /blobs/missing`) needs no
 * bytes: its source is left out, and the store writes the rows only.
 *
 * @param events - the batch's checked events (sources and images name blobs by digest and size)
 * @param staging - the staging area
 * @param held - whether the store holds a blob (see {@link storeHolds})
 * @returns the events as the store writes them
 * @throws ExptrackError `invalid_input` naming the event's field when a blob was neither uploaded nor held
 */
export async function withUploadedContent(events: TrackerEvent[], staging: BlobStaging, held: (digest: string) => Promise<boolean>): Promise<TrackerEvent[]> {
  const out: TrackerEvent[] = [];
  // Staged first: a blob uploaded for this batch is the one to store, even if the store has it too.
  const fromStore = async (digest: string, size: number) => !(await staging.has(digest, size)) && (await held(digest));
  for (const [i, event] of events.entries()) {
    if (event.type === 'artifact') {
      const sources = [];
      for (const [j, s] of event.sources.entries()) {
        if (!(await fromStore(s.digest, s.size))) sources.push(await staging.source(s.digest, s.size, `events[${i}].sources[${j}].digest`));
      }
      out.push({ ...event, sources });
    } else if (event.type === 'media' && event.media.kind === 'image') {
      const { digest, size } = event.media;
      out.push((await fromStore(digest, size)) ? event : { ...event, bytes: await staging.imageBytes(digest, size, `events[${i}].media.digest`) });
    } else {
      out.push(event);
    }
  }
  return out;
}

/**
 * Whether a store's blob store holds a digest; always false for a store that cannot say (no
 * artifacts, or no `hasBlob`), whose clients then upload every blob.
 *
 * @param store - the server's store
 * @returns the lookup
 */
export function storeHolds(store: Backend): (digest: string) => Promise<boolean> {
  if (!hasArtifacts(store) || typeof store.hasBlob !== 'function') return async () => false;
  const reader = store as Backend & Required<Pick<ArtifactReader, 'hasBlob'>>;
  return (digest) => reader.hasBlob(digest);
}

/** `f` of every item, at most `limit` at once, answers in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The bytes as a download: never rendered by a browser. */
function attachment(stream: AsyncIterable<Uint8Array>, contentType: string, filename: string): Answer {
  const name = filename.split('/').pop()!.replace(/[^\w.-]/g, '_').slice(0, 200) || 'artifact';
  return {
    status: 200,
    body: '',
    stream,
    contentType,
    headers: { 'content-disposition': `attachment; filename="${name}"`, 'x-content-type-options': 'nosniff' },
  };
}

async function* single(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}


