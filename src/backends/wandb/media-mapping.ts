/**
 * exptrack's artifacts and media as W&B run files and history values, the way the W&B SDK logs
 * `wandb.Image`, `wandb.Table` and `wandb.Histogram`: an image or a table is a file of the run
 * (`media/images/<key>_<step>_<hash>.png`, `media/table/<key>_<step>_<hash>.table.json`) uploaded
 * through `CreateRunFiles` and a PUT to the URL it returns, and referenced from the history row of
 * its step by an `image-file` / `table-file` object; a histogram is inline (`{ _type: 'histogram',
 * values, bins }`). Artifacts are not run files: see `artifact-upload.ts`.
 * @module
 */
import { createHash } from 'node:crypto';
import type { MediaRecord } from '../../core/artifacts.js';

/** A file of the run to upload: its name on W&B and where its bytes are. */
export interface RunFileUpload {
  name: string;
  source: { path: string } | { bytes: Uint8Array };
}

/** What one media item becomes: the history value of its step, and the file to upload (none for a histogram). */
export interface MappedMedia {
  value: Record<string, unknown>;
  file?: RunFileUpload;
}

/**
 * Maps a media item.
 *
 * @param media - the record
 * @param bytes - an image's bytes
 * @returns the history value and the file, or undefined for an image without bytes
 */
export function mapMedia(media: MediaRecord, bytes: Uint8Array | undefined): MappedMedia | undefined {
  const caption = media.caption === undefined ? {} : { caption: media.caption };
  if (media.kind === 'histogram') return { value: { _type: 'histogram', values: media.value.counts, bins: media.value.edges, ...caption } };
  if (media.kind === 'image') {
    if (bytes === undefined) return undefined;
    const format = media.mediaType === 'image/jpeg' ? 'jpeg' : 'png';
    const name = `media/images/${safeName(media.key)}_${media.step}_${media.digest.slice(7, 27)}.${format === 'jpeg' ? 'jpg' : 'png'}`;
    const size = pngSize(bytes);
    return { value: { _type: 'image-file', path: name, sha256: media.digest.slice(7), size: media.size, format, ...(size ?? {}), ...caption }, file: { name, source: { bytes } } };
  }
  const content = new TextEncoder().encode(JSON.stringify({ columns: media.value.columns, data: media.value.rows }));
  const digest = sha256Hex(content);
  const name = `media/table/${safeName(media.key)}_${media.step}_${digest.slice(0, 20)}.table.json`;
  return {
    value: { _type: 'table-file', path: name, sha256: digest, size: content.byteLength, ncols: media.value.columns.length, nrows: media.value.rows.length, ...caption },
    file: { name, source: { bytes: content } },
  };
}

/** A key or name as a file name part: path separators and odd characters become `_`. */
function safeName(text: string): string {
  return text.replace(/[^\w.-]/g, '_').replace(/^\.+/, '_').slice(0, 120) || '_';
}

/** Width and height of a PNG, read from its IHDR chunk. */
function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || bytes[12] !== 0x49 || bytes[13] !== 0x48 || bytes[14] !== 0x44 || bytes[15] !== 0x52) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
