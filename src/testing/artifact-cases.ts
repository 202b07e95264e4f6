import { deepStrictEqual as equal, ok, rejects } from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactReader, ArtifactRecord, BlobSource } from '../core/artifacts.js';
import type { Backend, ExperimentReader, TrackerEvent } from '../core/backend.js';
import { ExptrackError } from '../core/errors.js';
import type { ConformanceCase } from './backend-conformance.js';
import { makeExperiment } from './fixtures.js';

/** A backend under test by {@link artifactConformanceCases}: writable, readable, keeping artifacts. */
export type ArtifactConformanceBackend = Backend & ExperimentReader & ArtifactReader;

/**
 * Options of {@link artifactConformanceCases}.
 *
 * @example
 * ```ts
 * artifactConformanceCases({ create: () => new MemoryBackend() });
 * ```
 */
export interface ArtifactConformanceOptions {
  /** Makes a fresh, empty backend for one case. */
  create: () => ArtifactConformanceBackend | Promise<ArtifactConformanceBackend>;
}

const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A tiny valid PNG (1×1, one red pixel) with a marker byte in a text chunk, so each is distinct. */
function png(marker: number): Uint8Array {
  const header = Buffer.from('89504e470d0a1a0a', 'hex');
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([length, Buffer.from(type), data, crc]);
  };
  const ihdr = Buffer.from('0000000100000001080200000090', 'hex').subarray(0, 13);
  const idat = Buffer.from('789c63f8cfc00000030101009c', 'hex'); // zlib of [0, 255, 0, 0]
  return Buffer.concat([header, chunk('IHDR', ihdr), chunk('tEXt', Buffer.from(`n\0${marker}`)), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

function fileArtifact(experimentId: string, name: string, version: number, path: string, bytes: Uint8Array, fileName = 'model.bin'): { event: TrackerEvent; record: ArtifactRecord } {
  const digest = digestOf(bytes);
  const record: ArtifactRecord = {
    experimentId, name, version, kind: 'file', type: 'model', metadata: { note: 'ünïcode' }, step: version * 10, createdAt: 1_700_000_000_000 + version,
    digest, size: bytes.byteLength, files: [{ path: fileName, digest, size: bytes.byteLength }],
  };
  const source: BlobSource = { digest, size: bytes.byteLength, path };
  return { event: { type: 'artifact', experimentId, artifact: record, sources: [source] }, record };
}

/**
 * The artifact and media behaviour every store with `capabilities.artifacts` must share: versions,
 * directory files and every media kind read back byte for byte, identical bytes stored once,
 * lineage, and garbage collection. Framework-free cases, like {@link backendConformanceCases}.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { artifactConformanceCases } from 'exptrack/testing';
 * import { MemoryBackend } from 'exptrack/memory';
 *
 * describe('memory artifacts', () => {
 *   for (const c of artifactConformanceCases({ create: () => new MemoryBackend() })) it(c.name, c.run);
 * });
 * ```
 */
export function artifactConformanceCases(options: ArtifactConformanceOptions): ConformanceCase[] {
  const withBackend = (name: string, body: (b: ArtifactConformanceBackend, dir: string) => Promise<void>): ConformanceCase => ({
    name,
    run: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'exptrack-artifact-case-'));
      const backend = await options.create();
      await backend.init();
      try {
        await body(backend, dir);
      } finally {
        await backend.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  });
  const started = async (b: ArtifactConformanceBackend) => {
    const e = makeExperiment();
    await b.write([{ type: 'experiment_started', experiment: e }]);
    return e.id;
  };
  return [
    withBackend('artifacts: versions of a file read back byte for byte, whole and streamed', async (b, dir) => {
      const id = await started(b);
      const v1 = randomBytes(300_000);
      const v2 = randomBytes(2_500_000);
      writeFileSync(join(dir, 'v1'), v1);
      writeFileSync(join(dir, 'v2'), v2);
      const one = fileArtifact(id, 'model', 1, join(dir, 'v1'), v1);
      const two = fileArtifact(id, 'model', 2, join(dir, 'v2'), v2);
      await b.write([one.event]);
      await b.write([two.event]);
      equal(await b.getArtifacts(id), [one.record, two.record]);
      ok(Buffer.from(await b.readArtifact(id, 'model')).equals(v2), 'the latest version by default');
      ok(Buffer.from(await b.readArtifact(id, 'model', { version: 1 })).equals(v1));
      ok(Buffer.from(await b.readArtifact(id, 'model', { version: 2, file: 'model.bin' })).equals(v2));
      ok((await collect(await b.readArtifactStream(id, 'model', { version: 2 }))).equals(v2), 'streamed');
      await rejects(b.readArtifact(id, 'model', { version: 3 }), (e: unknown) => ExptrackError.is(e) && e.code === 'not_found' && e.field === 'version');
      await rejects(b.readArtifact(id, 'nothing'), (e: unknown) => ExptrackError.is(e) && e.code === 'not_found' && e.field === 'name');
      equal(await b.getArtifacts('exp_missing'), []);
    }),
    withBackend('artifacts: a directory keeps every file; a read names the file', async (b, dir) => {
      const id = await started(b);
      const files = { 'config.json': Buffer.from('{"layers":2}'), 'weights/a.bin': randomBytes(70_000), 'weights/b.bin': randomBytes(10) };
      const sources: BlobSource[] = [];
      const entries = Object.entries(files).map(([path, bytes]) => {
        const abs = join(dir, path.replace('/', '_'));
        writeFileSync(abs, bytes);
        sources.push({ digest: digestOf(bytes), size: bytes.length, path: abs });
        return { path, digest: digestOf(bytes), size: bytes.length };
      });
      const record: ArtifactRecord = { experimentId: id, name: 'checkpoint', version: 1, kind: 'directory', type: null, metadata: {}, step: null, createdAt: 1, digest: digestOf(Buffer.from('manifest')), size: 70_022, files: entries };
      await b.write([{ type: 'artifact', experimentId: id, artifact: record, sources }]);
      equal(await b.getArtifacts(id), [record]);
      for (const [path, bytes] of Object.entries(files)) ok(Buffer.from(await b.readArtifact(id, 'checkpoint', { file: path })).equals(bytes), path);
      await rejects(b.readArtifact(id, 'checkpoint'), (e: unknown) => ExptrackError.is(e) && e.code === 'invalid_input' && e.field === 'file');
      await rejects(b.readArtifact(id, 'checkpoint', { file: 'weights/c.bin' }), (e: unknown) => ExptrackError.is(e) && e.code === 'not_found' && e.field === 'file');
    }),
    withBackend('artifacts: identical bytes from two runs are stored once and outlive one run; gc frees them after both are gone', async (b, dir) => {
      const bytes = randomBytes(4 * 1024 * 1024);
      writeFileSync(join(dir, 'same'), bytes);
      const a = await started(b);
      const c = await started(b);
      await b.write([fileArtifact(a, 'model', 1, join(dir, 'same'), bytes).event]);
      await b.write([fileArtifact(c, 'weights', 1, join(dir, 'same'), bytes, 'w.bin').event]);
      equal((await b.collectGarbage({ dryRun: true })).blobs, 0, 'both runs refer to the blob');
      ok(await b.deleteExperiment(a));
      equal((await b.collectGarbage({ dryRun: true })).blobs, 0, 'the other run still refers to it');
      ok(Buffer.from(await b.readArtifact(c, 'weights')).equals(bytes));
      ok(await b.deleteExperiment(c));
      const dry = await b.collectGarbage({ dryRun: true });
      equal({ blobs: dry.blobs, bytes: dry.bytes, digests: dry.digests, deleted: dry.deleted }, { blobs: 1, bytes: bytes.length, digests: [digestOf(bytes)], deleted: false }, 'one blob of 4 MiB: stored once');
      if (b.hasBlob) equal(await b.hasBlob(digestOf(bytes)), true, 'hasBlob: the store holds the blob before gc');
      equal((await b.collectGarbage()).deleted, true);
      equal((await b.collectGarbage({ dryRun: true })).blobs, 0);
      if (b.hasBlob) {
        equal(await b.hasBlob(digestOf(bytes)), false, 'hasBlob: gc deleted the blob');
        await rejects(b.hasBlob('sha256:XYZ'), (e: unknown) => ExptrackError.is(e) && e.code === 'invalid_input' && e.field === 'digest');
      }
    }),
    withBackend('artifacts: a source whose bytes are not its digest is refused and leaves nothing behind', async (b, dir) => {
      const id = await started(b);
      const bytes = randomBytes(1000);
      writeFileSync(join(dir, 'f'), bytes);
      const { event } = fileArtifact(id, 'model', 1, join(dir, 'f'), randomBytes(1000));
      await rejects(b.write([event]));
      equal((await b.collectGarbage({ dryRun: true })).blobs, 0);
    }),
    withBackend('artifacts: lineage records who used which version', async (b, dir) => {
      const producer = await started(b);
      const consumer = await started(b);
      const bytes = randomBytes(100);
      writeFileSync(join(dir, 'm'), bytes);
      const { event } = fileArtifact(producer, 'model', 1, join(dir, 'm'), bytes);
      const use = { experimentId: consumer, sourceExperimentId: producer, name: 'model', version: 1, digest: digestOf(bytes), usedAt: 1_700_000_000_500 };
      await b.write([event, { type: 'artifact_used', experimentId: consumer, use }]);
      equal(await b.getArtifactLineage(consumer), { used: [use], usedBy: [] });
      equal(await b.getArtifactLineage(producer), { used: [], usedBy: [use] });
    }),
    withBackend('media: images, tables and histograms read back exactly, by step; a step logged again is replaced', async (b) => {
      const id = await started(b);
      const images = [png(1), png(2), png(3)];
      const hostile = '<img src=x onerror=alert(1)>"\'&\u0000\u2028';
      const table = { columns: ['input', 'score', 'ok'], rows: [[hostile, 0.5, true], ['plain', null, false]] };
      const histogram = { edges: [-1, 0, 1], counts: [2, 5], nonFinite: 1 };
      await b.write([
        ...images.map((bytes, step): TrackerEvent => ({ type: 'media', experimentId: id, media: { key: 'samples', step: step * 10, kind: 'image', caption: `step ${step * 10}`, mediaType: 'image/png', size: bytes.length, digest: digestOf(bytes), createdAt: 5 }, bytes })),
        { type: 'media', experimentId: id, media: { key: 'preds', step: 3, kind: 'table', value: { columns: ['x'], rows: [['old']] }, createdAt: 6 } },
        { type: 'media', experimentId: id, media: { key: 'preds', step: 3, kind: 'table', caption: 'v2', value: table, createdAt: 7 } },
        { type: 'media', experimentId: id, media: { key: 'weights', step: 0, kind: 'histogram', value: histogram, createdAt: 8 } },
      ]);
      const listed = await b.getMedia(id, 'samples');
      equal(listed.map((m) => [m.step, m.kind, m.caption]), [[0, 'image', 'step 0'], [10, 'image', 'step 10'], [20, 'image', 'step 20']]);
      ok(listed.every((m) => !('value' in m)), 'no image bytes in the list');
      for (const [i, bytes] of images.entries()) ok(Buffer.from(await b.readMedia(id, 'samples', { step: i * 10 })).equals(bytes));
      equal(await b.getMedia(id, 'preds'), [{ key: 'preds', step: 3, kind: 'table', caption: 'v2', value: table, createdAt: 7 }]);
      equal(await b.getMedia(id, 'weights'), [{ key: 'weights', step: 0, kind: 'histogram', value: histogram, createdAt: 8 }]);
      equal(await b.getMediaKeys(id), [{ key: 'preds', kind: 'table', count: 1 }, { key: 'samples', kind: 'image', count: 3 }, { key: 'weights', kind: 'histogram', count: 1 }]);
      await rejects(b.readMedia(id, 'samples', { step: 5 }), (e: unknown) => ExptrackError.is(e) && e.code === 'not_found');
      await rejects(b.readMedia(id, 'preds', { step: 3 }), (e: unknown) => ExptrackError.is(e) && e.code === 'not_found');
      equal(await b.getMedia(id, 'nothing'), []);
    }),
    withBackend('media: images of a deleted run become garbage, others stay', async (b) => {
      const keep = await started(b);
      const drop = await started(b);
      const kept = png(7);
      const dropped = png(8);
      const image = (id: string, bytes: Uint8Array): TrackerEvent => ({ type: 'media', experimentId: id, media: { key: 'img', step: 0, kind: 'image', mediaType: 'image/png', size: bytes.length, digest: digestOf(bytes), createdAt: 1 }, bytes });
      await b.write([image(keep, kept), image(drop, dropped)]);
      await b.deleteExperiment(drop);
      equal((await b.collectGarbage()).digests, [digestOf(dropped)]);
      ok(Buffer.from(await b.readMedia(keep, 'img', { step: 0 })).equals(kept));
    }),
  ];
}
