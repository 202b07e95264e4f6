/**
 * Cuts a byte stream into lines, holding at most one line (bounded) in memory at a time.
 * @module
 */
import { invalidInput } from '../../core/errors.js';

/** A line of the input, without its newline, and its number (the first is 1). */
export interface NumberedLine {
  text: string;
  number: number;
}

/**
 * The lines of a stream of chunks, read as the consumer asks for them (nothing is read ahead of
 * the line being handed out). A blank line is skipped; a final line without a newline counts.
 *
 * @param chunks - the bytes (or text), for example a file's read stream
 * @param maxBytes - the longest line accepted, in bytes
 * @returns the lines
 * @throws ExptrackError `invalid_input` naming `line N` when a line is longer than `maxBytes`, or
 * is not UTF-8
 */
export async function* splitLines(chunks: AsyncIterable<Uint8Array | string>, maxBytes: number): AsyncGenerator<NumberedLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let held = 0;
  let number = 0;
  const take = (tail: Buffer): NumberedLine | undefined => {
    number++;
    const bytes = parts.length === 0 ? tail : Buffer.concat([...parts, tail]);
    parts = [];
    held = 0;
    if (bytes.length > maxBytes) throw tooLong(number, maxBytes);
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw invalidInput(`line ${number}`, bytes.subarray(0, 40).toString('latin1'), 'is not UTF-8 text');
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return text.trim() === '' ? undefined : { text, number };
  };
  for await (const chunk of chunks) {
    let buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let newline = buffer.indexOf(10); newline >= 0; newline = buffer.indexOf(10)) {
      const line = take(buffer.subarray(0, newline));
      buffer = buffer.subarray(newline + 1);
      if (line !== undefined) yield line;
    }
    if (buffer.length > 0) {
      held += buffer.length;
      // A line that cannot end within the bound is refused now, before more of it is read.
      if (held > maxBytes) throw tooLong(number + 1, maxBytes);
      parts.push(Buffer.from(buffer));
    }
  }
  if (held > 0) {
    const line = take(Buffer.alloc(0));
    if (line !== undefined) yield line;
  }
}

function tooLong(number: number, maxBytes: number) {
  return invalidInput(`line ${number}`, '…', `is longer than ${maxBytes} bytes (an export line is far shorter: is this an exptrack export?)`);
}
