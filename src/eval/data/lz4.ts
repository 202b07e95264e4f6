/**
 * LZ4 pages of Parquet files: `LZ4_RAW` (one LZ4 block, what pyarrow writes for `compression='lz4'`)
 * and the deprecated `LZ4` (Hadoop's framing of blocks, else one block, read as Arrow reads it).
 * Every length and offset is checked against the input and the page's declared size, so a forged
 * page fails instead of reading or writing out of bounds.
 */

/**
 * Decodes one LZ4 block (the format of `LZ4_compress_default`, no frame) into exactly `outputLength`
 * bytes.
 *
 * @param input - the compressed block
 * @param outputLength - the size the block decodes to
 * @returns the decoded bytes
 * @throws Error when the block is malformed or does not decode to `outputLength` bytes
 */
export function decodeLz4Block(input: Uint8Array, outputLength: number): Uint8Array {
  checkDeclaredSize(input, outputLength);
  const output = new Uint8Array(outputLength);
  const end = decodeInto(input, output, 0);
  if (end !== outputLength) throw new Error(`LZ4 block decodes to ${end} bytes, not the ${outputLength} the page declares`);
  return output;
}

/**
 * Decodes a page of Parquet's deprecated `LZ4` codec: blocks in Hadoop's framing (each after its
 * decoded and encoded sizes, 4 bytes big-endian each), else, when the page is not framed that way,
 * one block (older writers), as Arrow's reader does.
 *
 * @param input - the page's compressed bytes
 * @param outputLength - the page's declared decoded size
 * @returns the decoded bytes
 * @throws Error when neither reading decodes to `outputLength` bytes
 */
export function decodeLz4HadoopPage(input: Uint8Array, outputLength: number): Uint8Array {
  return decodeHadoopFrames(input, outputLength) ?? decodeLz4Block(input, outputLength);
}

/** The Hadoop-framed blocks of a page, or undefined when the page is not framed that way. */
function decodeHadoopFrames(input: Uint8Array, outputLength: number): Uint8Array | undefined {
  checkDeclaredSize(input, outputLength);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const output = new Uint8Array(outputLength);
  let read = 0;
  let written = 0;
  while (input.length - read >= 8) {
    const decodedSize = view.getUint32(read);
    const encodedSize = view.getUint32(read + 4);
    read += 8;
    if (encodedSize > input.length - read || decodedSize > outputLength - written) return undefined;
    try {
      const end = decodeInto(input.subarray(read, read + encodedSize), output.subarray(0, written + decodedSize), written);
      if (end !== written + decodedSize) return undefined;
    } catch {
      return undefined;
    }
    read += encodedSize;
    written += decodedSize;
  }
  return read === input.length && written === outputLength ? output : undefined;
}

/**
 * Refuses a declared size no LZ4 data of this length can reach (each byte of a length adds at most
 * 255), before allocating it: a forged page header cannot make the reader take gigabytes.
 */
function checkDeclaredSize(input: Uint8Array, outputLength: number): void {
  if (!Number.isSafeInteger(outputLength) || outputLength < 0 || outputLength > input.length * 255 + 16) {
    throw new Error(`an LZ4 page of ${input.length} bytes cannot decode to the ${outputLength} bytes its header declares`);
  }
}

/** Decodes a block into `output` from `start` (a block matches only its own bytes); returns where it ended. */
function decodeInto(input: Uint8Array, output: Uint8Array, start: number): number {
  let read = 0;
  let written = start;
  const length = (initial: number): number => {
    let n = initial;
    if (initial !== 15) return n;
    for (;;) {
      if (read >= input.length) throw new Error('LZ4 block ends inside a length');
      const byte = input[read++]!;
      n += byte;
      if (byte !== 255) return n;
    }
  };
  while (read < input.length) {
    const token = input[read++]!;
    const literals = length(token >>> 4);
    if (literals > input.length - read || literals > output.length - written) throw new Error('LZ4 literals run past the block or the page');
    output.set(input.subarray(read, read + literals), written);
    read += literals;
    written += literals;
    if (read === input.length) break; // the last sequence is literals only
    if (input.length - read < 2) throw new Error('LZ4 block ends inside a match offset');
    const offset = input[read]! | (input[read + 1]! << 8);
    read += 2;
    if (offset === 0 || offset > written - start) throw new Error(`LZ4 match offset ${offset} points before the start of the block's output`);
    const matchLength = length(token & 15) + 4;
    if (matchLength > output.length - written) throw new Error('LZ4 match runs past the page');
    // Byte by byte: a match may overlap the bytes it is writing (offset < length repeats them).
    for (let k = 0; k < matchLength; k++) output[written + k] = output[written - offset + k]!;
    written += matchLength;
  }
  return written;
}
