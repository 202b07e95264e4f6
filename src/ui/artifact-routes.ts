/**
 * The dashboard's artifact and media routes: JSON lists, image bytes for the gallery, and
 * downloads. An artifact is only ever sent as an attachment of type `application/octet-stream`
 * (never rendered, whatever its name or bytes); an image only when its bytes are a PNG or a JPEG,
 * with the type taken from those bytes, not from the store.
 * @module
 */
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactReader } from 'exptrack';
import type { DashboardStore } from './api.js';
import { HttpError, Query, sendJson } from '../server/http.js';

/** Answers the artifact routes of one experiment; `undefined` when the path is none of them. */
export class ArtifactRoutes {
  constructor(private readonly store: DashboardStore) {}

  private reader(): (DashboardStore & ArtifactReader) | undefined {
    return this.store.capabilities.artifacts === true ? (this.store as DashboardStore & ArtifactReader) : undefined;
  }

  /**
   * Serves `GET /api/experiments/:id/{artifacts,media,image,download}`.
   * @returns true when the route was one of these (and the answer is sent)
   */
  async serve(id: string, route: string, q: Query, res: ServerResponse, head: boolean): Promise<boolean> {
    const reader = this.reader();
    switch (route) {
      case 'artifacts':
        if (!reader) sendJson(res, 200, { supported: false, artifacts: [], lineage: { used: [], usedBy: [] }, media: [] });
        else {
          const [artifacts, lineage, media] = await Promise.all([reader.getArtifacts(id), reader.getArtifactLineage(id), reader.getMediaKeys(id)]);
          sendJson(res, 200, { supported: true, artifacts, lineage, media });
        }
        return true;
      case 'media': {
        const key = q.required('key');
        sendJson(res, 200, { key, items: reader ? await reader.getMedia(id, key) : [] });
        return true;
      }
      case 'image': {
        if (!reader) throw new HttpError(404, `the ${this.store.name} store keeps no images`);
        const key = q.required('key');
        const step = Number(q.required('step'));
        if (!Number.isSafeInteger(step) || step < 0) throw new HttpError(400, 'query parameter step must be an integer >= 0');
        const bytes = Buffer.from(await reader.readMedia(id, key, { step }));
        const type = imageTypeOf(bytes);
        if (type === undefined) throw new HttpError(415, `image "${key}" at step ${step} is neither a PNG nor a JPEG; it is not served`);
        res.writeHead(200, { 'content-type': type, 'content-length': bytes.length, 'cache-control': 'private, max-age=3600', 'content-disposition': 'inline' });
        res.end(head ? undefined : bytes);
        return true;
      }
      case 'download': {
        if (!reader) throw new HttpError(404, `the ${this.store.name} store keeps no artifacts`);
        const name = q.required('name');
        const version = q.integer('version', { min: 1, max: Number.MAX_SAFE_INTEGER, default: 0 }) || undefined;
        const file = q.string('file', 4096) || undefined;
        const record = (await reader.getArtifacts(id)).filter((a) => a.name === name && (version === undefined || a.version === version)).at(-1);
        const chunks = await reader.readArtifactStream(id, name, { version, file });
        const fileName = file ?? record?.files[0]?.path ?? name;
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-disposition': attachment(fileName.split('/').at(-1) ?? 'artifact'),
          'cache-control': 'no-store',
        });
        if (head) res.end();
        else await pipeline(Readable.from(chunks), res);
        return true;
      }
      default:
        return false;
    }
  }
}

/** `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266 / 5987). */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function imageTypeOf(bytes: Uint8Array): 'image/png' | 'image/jpeg' | undefined {
  if (bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}
