/**
 * Client-side tokenization for log-likelihood requests: a small {@link TextTokenizer} interface and
 * a loader of Hugging Face `tokenizer.json` files over the optional peer `@huggingface/tokenizers`.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ExptrackError } from '../../core/errors.js';

/**
 * What the log-likelihood client needs from a tokenizer: token ids without special tokens (as
 * lm-eval's `tok_encode` with `add_special_tokens=False`), and the token that stands for an empty
 * context (lm-eval's `prefix_token_id`: the BOS token, else the EOS token).
 *
 * @example
 * ```ts
 * import type { TextTokenizer } from 'exptrack/eval';
 * const bytes: TextTokenizer = { encode: (s) => [...new TextEncoder().encode(s)], prefixTokenId: 0 };
 * ```
 */
export interface TextTokenizer {
  /** The token ids of a text, with no special tokens added. */
  encode(text: string): number[];
  /** The id used as context when a context is empty; null when the tokenizer has none. */
  readonly prefixTokenId: number | null;
}

/** The few members of `@huggingface/tokenizers`' `Tokenizer` that are used. */
interface HfTokenizerLike {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
  token_to_id(token: string): number | undefined;
}

type HfTokenizerModule = { Tokenizer: new (tokenizer: object, config: object) => HfTokenizerLike };

/**
 * Loads a Hugging Face `tokenizer.json` (and the `tokenizer_config.json` beside it, when there is
 * one, for the BOS and EOS tokens) with `@huggingface/tokenizers`, an optional peer dependency loaded
 * only here. Its ids equal those of the Python `tokenizers` library for the tokenizers checked in
 * exptrack's tests (Qwen3's byte-level BPE).
 *
 * @param path - the `tokenizer.json` file, or the directory holding it
 * @returns the tokenizer
 * @throws ExptrackError `not_found` when the file cannot be read, `invalid_input` when it is not a
 * tokenizer or `@huggingface/tokenizers` is not installed
 * @example
 * ```ts
 * import { loadTokenizer } from 'exptrack/eval';
 * const tok = await loadTokenizer('./Qwen3-0.6B/tokenizer.json');
 * tok.encode('Hello World'); // [9707, 4337]
 * ```
 */
export async function loadTokenizer(path: string): Promise<TextTokenizer> {
  const file = path.endsWith('.json') ? path : join(path, 'tokenizer.json');
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ExptrackError(missing ? `tokenizer file ${file} does not exist` : `tokenizer file ${file} is not valid JSON`, {
      code: missing ? 'not_found' : 'invalid_input',
      field: 'tokenizer',
      value: path,
      cause,
    });
  }
  if (json === null || typeof json !== 'object' || typeof json.model !== 'object') {
    throw new ExptrackError(`${file} is not a Hugging Face tokenizer.json (no "model")`, { code: 'invalid_input', field: 'tokenizer', value: path });
  }
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(await readFile(join(dirname(file), 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    // No tokenizer_config.json: no BOS/EOS names, as transformers without one.
  }
  let mod: HfTokenizerModule;
  try {
    mod = (await import('@huggingface/tokenizers')) as unknown as HfTokenizerModule;
  } catch (cause) {
    throw new ExptrackError('the tokenizer option needs the optional package @huggingface/tokenizers: npm install @huggingface/tokenizers', {
      code: 'invalid_input',
      field: 'tokenizer',
      value: path,
      cause,
    });
  }
  let tokenizer: HfTokenizerLike;
  try {
    tokenizer = new mod.Tokenizer(json, config);
  } catch (cause) {
    throw new ExptrackError(`${file} could not be loaded as a tokenizer: ${(cause as Error).message}`, { code: 'invalid_input', field: 'tokenizer', value: path, cause });
  }
  const idOf = (token: unknown): number | null => {
    const text = typeof token === 'string' ? token : (token as { content?: unknown } | null)?.content;
    if (typeof text !== 'string') return null;
    return tokenizer.token_to_id(text) ?? null;
  };
  const prefixTokenId = idOf(config.bos_token) ?? idOf(config.eos_token);
  return {
    encode: (text) => Array.from(tokenizer.encode(text, { add_special_tokens: false }).ids),
    prefixTokenId,
  };
}
