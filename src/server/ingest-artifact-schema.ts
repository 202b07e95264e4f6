/**
 * The artifact and media events a client may send to the ingestion route. Their bytes never ride
 * in the batch: a client uploads each blob first (`PUT /api/v1/blobs/:digest`), and an artifact's
 * `sources` and an image name blobs by digest and size only. Checked like the other events
 * (`ingest-schema.ts`); a failure names the field.
 * @module
 */
import { z } from 'zod';

const MAX_ID = 200;
const MAX_KEY_LENGTH = 250;
const MAX_TEXT = 64 * 1024;
/** Most files of one directory artifact. */
const MAX_FILES = 100_000;
const MAX_CELLS = 1_000_000;

const id = z.string().min(1).max(MAX_ID);
const key = z.string().min(1).max(MAX_KEY_LENGTH);
const time = z.number().finite();
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" and 64 lowercase hex digits');
const caption = z.string().max(MAX_TEXT).optional();

/** A blob named by an artifact or image: its bytes were uploaded before the batch. */
export const blobRef = z.object({ digest, size: count });

/**
 * The artifact events, as zod schemas for the ingestion union.
 *
 * @param json - the JSON value schema of the ingestion schema (finite numbers, bounded depth)
 * @returns the schemas of `artifact`, `artifact_used` and `media` events
 */
export function artifactEventSchemas(json: z.ZodType) {
  const file = z.object({ path: z.string().min(1).max(4096), digest, size: count });
  const artifact = z.object({
    experimentId: id,
    name: key,
    version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    kind: z.enum(['file', 'directory']),
    type: z.string().max(MAX_KEY_LENGTH).nullable(),
    metadata: z.record(z.string(), json),
    step: count.nullable(),
    createdAt: time,
    digest,
    size: count,
    files: z.array(file).min(1).max(MAX_FILES),
  });
  const use = z.object({ experimentId: id, sourceExperimentId: id, name: key, version: z.number().int().min(1), digest, usedAt: time });
  const common = { key, step: count, caption, createdAt: time };
  const media = z.discriminatedUnion('kind', [
    z.object({ ...common, kind: z.literal('image'), mediaType: z.enum(['image/png', 'image/jpeg']), size: count, digest }),
    z.object({ ...common, kind: z.literal('table'), value: z.object({ columns: z.array(z.string().max(MAX_TEXT)).max(10_000), rows: z.array(z.array(json)).max(MAX_CELLS) }) }),
    z.object({ ...common, kind: z.literal('histogram'), value: z.object({ edges: z.array(z.number()).max(100_001), counts: z.array(count).max(100_000), nonFinite: count }) }),
  ]);
  return [
    z.object({ type: z.literal('artifact'), experimentId: id, artifact, sources: z.array(blobRef).max(MAX_FILES) }),
    z.object({ type: z.literal('artifact_used'), experimentId: id, use }),
    z.object({ type: z.literal('media'), experimentId: id, media }),
  ] as const;
}
