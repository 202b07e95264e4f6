/**
 * Reading Parquet files (the format Hugging Face datasets ship) into plain row objects, with the
 * optional package `hyparquet` loaded only here.
 */
import { readFile } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { ExptrackError } from '../../core/errors.js';
import { decodeLz4Block, decodeLz4HadoopPage } from './lz4.js';

/** A page decompressor as `hyparquet` calls it: the compressed bytes and the page's declared size. */
type Decompressor = (input: Uint8Array, outputLength: number) => Uint8Array;

/** The one function of `hyparquet` that is used. */
interface HyparquetLike {
  parquetReadObjects(options: { file: ArrayBuffer; compressors?: Record<string, Decompressor> }): Promise<Array<Record<string, unknown>>>;
}

/** `zstdDecompressSync` is in `node:zlib` from Node 22.15 and 23.8; Node 20's zlib lacks it. */
const zstdDecompressSync = (zlib as unknown as { zstdDecompressSync?: (buf: Uint8Array, options: { maxOutputLength: number }) => Buffer }).zstdDecompressSync;

/**
 * The codecs read with `node:zlib` and exptrack's LZ4 decoder beside those `hyparquet` has built in
 * (Snappy, uncompressed). A page never inflates past the size its header declares, so a forged page
 * cannot fill the memory.
 */
const compressors: Record<string, Decompressor> = {
  GZIP: (input, outputLength) => zlib.gunzipSync(input, { maxOutputLength: Math.max(1, outputLength) }),
  BROTLI: (input, outputLength) => zlib.brotliDecompressSync(input, { maxOutputLength: Math.max(1, outputLength) }),
  ZSTD: (input, outputLength) => {
    if (!zstdDecompressSync) throw new Error(`ZSTD pages need node:zlib's zstd support (Node >= 22.15); this is Node ${process.versions.node}. Write the file with compression='snappy', 'gzip' or 'brotli'`);
    return zstdDecompressSync(input, { maxOutputLength: Math.max(1, outputLength) });
  },
  LZ4_RAW: decodeLz4Block,
  LZ4: decodeLz4HadoopPage,
};

/**
 * Reads every row of a Parquet file as an object keyed by column name, nested lists and structs as
 * arrays and objects (ARC's `choices: { text, label }` as the JSON export has it). 64-bit integers
 * become numbers; one beyond 2^53 fails rather than lose digits. Uses the optional package
 * `hyparquet` (pure JavaScript; Snappy, the codec `datasets` and pyarrow write by default, is built in)
 * and Node's `node:zlib` for GZIP and BROTLI pages, and ZSTD where Node's zlib has it (Node >= 22.15;
 * on Node 20 a ZSTD file fails with `parse_error` naming the codec). LZ4 pages (`LZ4_RAW`, and the
 * deprecated Hadoop-framed `LZ4`) are decoded by exptrack. LZO is not read: Arrow, which
 * `datasets` writes with, has no LZO codec.
 *
 * @param file - the `.parquet` file
 * @returns the rows, in file order
 * @throws ExptrackError `not_found` for a missing file, `invalid_input` when `hyparquet` is not
 * installed, `parse_error` for a file it cannot read or an integer too large for a number
 * @example
 * ```ts
 * import { readParquetRows } from 'exptrack/eval';
 * const rows = await readParquetRows('./ai2_arc/ARC-Easy/test-00000-of-00001.parquet');
 * rows[0]?.question;
 * ```
 */
export async function readParquetRows(file: string): Promise<Record<string, unknown>[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new ExptrackError(`cannot read dataset file ${file}${code ? ` (${code})` : ''}`, { code: code === 'ENOENT' ? 'not_found' : 'unavailable', field: 'source', value: file, cause, retryable: false });
  }
  let mod: HyparquetLike;
  try {
    mod = (await import('hyparquet')) as unknown as HyparquetLike;
  } catch (cause) {
    throw new ExptrackError(`reading ${file} needs the optional package hyparquet: npm install hyparquet (or export the split as JSON Lines)`, {
      code: 'invalid_input',
      field: 'source',
      value: file,
      cause,
    });
  }
  let rows: Array<Record<string, unknown>>;
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    rows = await mod.parquetReadObjects({ file: buffer, compressors });
  } catch (cause) {
    throw new ExptrackError(`${file} could not be read as Parquet: ${(cause as Error).message}`, { code: 'parse_error', field: 'source', value: file, cause });
  }
  return rows.map((row, i) => plainValue(row, `${file}: row ${i}`) as Record<string, unknown>);
}

/** A decoded value with its 64-bit integers as numbers (recursively). */
function plainValue(value: unknown, where: string): unknown {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new ExptrackError(`${where} holds the integer ${value}, beyond what a number keeps exactly`, { code: 'parse_error', field: where, value: String(value) });
    }
    return Number(value);
  }
  if (Array.isArray(value)) return value.map((v) => plainValue(v, where));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plainValue(v, `${where}.${k}`);
    return out;
  }
  return value;
}
