/**
 * Log-likelihood requests over an OpenAI-compatible `/completions` endpoint, as lm-evaluation-harness's
 * `local-completions` model sends them (`echo`, `logprobs: 1`, `max_tokens: 1`, the prompt's token
 * log-probabilities read back), with client-side tokenization or, without a tokenizer, a text prompt
 * split at the context boundary with the server's `text_offset`.
 */
import { invalidInput } from '../../core/errors.js';
import { ModelRequestError } from '../model.js';
import type { LoglikelihoodOptions, LoglikelihoodRequest, LoglikelihoodResult } from '../types.js';
import { loadTokenizer, type TextTokenizer } from './tokenizer.js';
import { postJson } from './post-json.js';

/** The largest response body read when the caller names no limit (as `openAICompatibleModel`'s default). */
const DEFAULT_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * The tokens of a log-likelihood request as lm-eval builds them: trailing whitespace of the context
 * moves to the continuation, the context and the whole text are encoded, and the continuation's
 * tokens are the whole text's tokens after the context's. An empty context becomes the tokenizer's
 * prefix token (BOS, else EOS), unless the continuation already starts with it.
 *
 * @param tokenizer - the tokenizer
 * @param request - the context and continuation
 * @returns the context's and the continuation's token ids
 * @throws ExptrackError `invalid_input` for an empty context when the tokenizer has no prefix token
 * @example
 * ```ts
 * import { encodeLoglikelihoodPair } from 'exptrack/eval';
 * declare const tok: import('exptrack/eval').TextTokenizer;
 * encodeLoglikelihoodPair(tok, { context: 'Question: 2+2?\nAnswer:', continuation: ' 4' });
 * ```
 */
export function encodeLoglikelihoodPair(tokenizer: TextTokenizer, request: LoglikelihoodRequest): { context: number[]; continuation: number[] } {
  let { context, continuation } = request;
  if (context === '') {
    const cont = tokenizer.encode(continuation);
    if (tokenizer.prefixTokenId === null) {
      throw invalidInput('context', context, 'is empty and the tokenizer has neither a BOS nor an EOS token to stand for it');
    }
    return tokenizer.prefixTokenId !== cont[0] ? { context: [tokenizer.prefixTokenId], continuation: cont } : { context: cont.slice(0, 1), continuation: cont.slice(1) };
  }
  const trimmed = context.replace(/\s+$/u, '');
  if (trimmed.length < context.length) {
    continuation = context.slice(trimmed.length) + continuation;
    context = trimmed;
  }
  const whole = tokenizer.encode(context + continuation);
  const contextTokens = tokenizer.encode(context);
  return { context: contextTokens, continuation: whole.slice(contextTokens.length) };
}

/**
 * A tokenizer that remembers the last `capacity` texts it encoded: the choices of a document share
 * one context, so its encoding is computed once instead of once per choice.
 */
function memoizedTokenizer(tokenizer: TextTokenizer, capacity = 512): TextTokenizer {
  const memo = new Map<string, number[]>();
  return {
    prefixTokenId: tokenizer.prefixTokenId,
    encode(text) {
      const hit = memo.get(text);
      if (hit) return hit;
      const ids = tokenizer.encode(text);
      if (memo.size >= capacity) memo.delete(memo.keys().next().value as string);
      memo.set(text, ids);
      return ids;
    },
  };
}

/**
 * Joins and left-truncates a request's tokens to the model's window as lm-eval does: at most
 * `maxLength - 1` tokens are sent (one position is kept for the generated token), and the context
 * length shrinks by what was cut.
 *
 * @param pair - the context's and continuation's tokens
 * @param maxLength - the model's context length (lm-eval's `max_length`, default 2048)
 * @returns the tokens to send and how many of them are context
 * @example
 * ```ts
 * import { truncateLoglikelihoodInput } from 'exptrack/eval';
 * truncateLoglikelihoodInput({ context: [1, 2, 3, 4], continuation: [5, 6] }, 5); // { tokens: [3, 4, 5, 6], contextLength: 2 }
 * ```
 */
export function truncateLoglikelihoodInput(pair: { context: readonly number[]; continuation: readonly number[] }, maxLength: number): { tokens: number[]; contextLength: number } {
  const window = maxLength - 1;
  const all = [...pair.context, ...pair.continuation];
  const cut = Math.max(0, all.length - window);
  return { tokens: all.slice(cut), contextLength: pair.context.length - cut };
}

/**
 * Reads the answer of an echoed `/completions` response: the sum of `token_logprobs` over the
 * continuation positions `[contextLength, promptLength)`, and greedy when each of those equals the
 * largest value of its `top_logprobs` (lm-eval's `parse_logprobs`).
 *
 * @param json - the response body
 * @param contextLength - how many prompt tokens are context
 * @param promptLength - how many tokens the prompt has
 * @returns the log-likelihood and whether it is greedy
 * @throws ModelRequestError `backend_failed` (not retryable) when the response lacks echoed log-probabilities
 * @example
 * ```ts
 * import { readEchoedLoglikelihood } from 'exptrack/eval';
 * const json = { choices: [{ index: 0, logprobs: { token_logprobs: [null, -1, -0.5, -2], top_logprobs: [null, { a: -1 }, { b: -0.5 }, { c: -0.1 }] } }] };
 * readEchoedLoglikelihood(json, 1, 3); // { logprob: -1.5, isGreedy: true }
 * ```
 */
export function readEchoedLoglikelihood(json: unknown, contextLength: number, promptLength: number): LoglikelihoodResult {
  return readChoiceLoglikelihood(choicesByIndex(json, 1)[0]!, contextLength, promptLength);
}

/** The log-likelihood of one echoed choice (see {@link readEchoedLoglikelihood}). */
function readChoiceLoglikelihood(choice: unknown, contextLength: number, promptLength: number): LoglikelihoodResult {
  const logprobs = readChoiceLogprobs(choice);
  if (logprobs.tokenLogprobs.length < promptLength) {
    throw malformed(`it has ${logprobs.tokenLogprobs.length} token_logprobs for a prompt of ${promptLength} tokens (does the server support echo?)`);
  }
  if (contextLength < 1) throw malformed('the context is empty');
  let sum = 0;
  let isGreedy = true;
  for (let i = contextLength; i < promptLength; i++) {
    const lp = logprobs.tokenLogprobs[i];
    if (typeof lp !== 'number') throw malformed(`token_logprobs[${i}] is not a number`);
    sum += lp;
    const top = logprobs.topLogprobs?.[i];
    if (top === null || typeof top !== 'object') throw malformed(`top_logprobs[${i}] is not an object`);
    let best = -Infinity;
    for (const v of Object.values(top)) if (typeof v === 'number' && v > best) best = v;
    if (lp !== best) isGreedy = false;
  }
  return { logprob: sum, isGreedy };
}

/**
 * The choices of a response for `n` prompts, by their `index` (lm-eval sorts them by index); a
 * single prompt's choice may omit `index`.
 */
function choicesByIndex(json: unknown, n: number): unknown[] {
  const choices = (json as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices) || choices.length === 0) throw malformed('it has no choices');
  if (n === 1) return [(choices as Array<Record<string, unknown> | null>).find((c) => c?.index === 0 || c?.index === undefined) ?? choices[0]];
  const out = new Array<unknown>(n);
  for (const c of choices as Array<Record<string, unknown> | null>) {
    const index = c?.index;
    if (typeof index === 'number' && Number.isInteger(index) && index >= 0 && index < n) out[index] = c;
  }
  for (let i = 0; i < n; i++) if (out[i] === undefined) throw malformed(`it has no choice with index ${i} for a batch of ${n} prompts`);
  return out;
}

function readChoiceLogprobs(choice: unknown): { tokenLogprobs: unknown[]; topLogprobs: unknown[] | undefined; textOffset: unknown[] | undefined } {
  const lp = (choice as { logprobs?: Record<string, unknown> } | null)?.logprobs;
  if (!lp || !Array.isArray(lp.token_logprobs)) throw malformed('choices[].logprobs.token_logprobs is missing');
  return {
    tokenLogprobs: lp.token_logprobs,
    topLogprobs: Array.isArray(lp.top_logprobs) ? lp.top_logprobs : undefined,
    textOffset: Array.isArray(lp.text_offset) ? lp.text_offset : undefined,
  };
}

function malformed(detail: string): ModelRequestError {
  return new ModelRequestError(`the /completions response cannot be read as log-probabilities: ${detail}`, { code: 'backend_failed', status: null, retryable: false });
}

/**
 * How many tokens of an echoed text prompt belong to the context, from the server's `text_offset`:
 * the tokens that end at or before the context's last character. A token that straddles the
 * boundary counts as continuation. Offsets are in Unicode code points (Python string indices).
 *
 * @param textOffset - the server's offsets, one per token
 * @param contextCodePoints - the context's length in code points
 * @param promptTokens - how many tokens the prompt has (the generated token excluded)
 * @returns the number of context tokens
 * @example
 * ```ts
 * import { contextTokensFromOffsets } from 'exptrack/eval';
 * contextTokensFromOffsets([0, 8, 9, 12], 9, 3); // 2
 * ```
 */
export function contextTokensFromOffsets(textOffset: readonly number[], contextCodePoints: number, promptTokens: number): number {
  let n = 0;
  for (let i = 0; i < promptTokens; i++) {
    const end = i + 1 < textOffset.length ? textOffset[i + 1]! : Infinity;
    if (end <= contextCodePoints) n = i + 1;
    else break;
  }
  return n;
}

/**
 * What {@link completionsLoglikelihood} needs.
 *
 * @example
 * ```ts
 * import type { CompletionsLoglikelihoodConfig } from 'exptrack/eval';
 * const c: CompletionsLoglikelihoodConfig = { url: 'http://127.0.0.1:8000/v1/completions', model: 'm', tokenizer: './tokenizer.json' };
 * ```
 */
export interface CompletionsLoglikelihoodConfig {
  /** The full `/completions` URL. */
  url: string;
  /** The model name sent in each request. */
  model: string;
  /** A tokenizer.json path or a tokenizer; without one, text prompts and `text_offset` are used (approximate). */
  tokenizer?: string | TextTokenizer;
  /** lm-eval's `max_length`: requests are left-truncated to `maxLength - 1` tokens. @defaultValue 2048 */
  maxLength?: number;
  /** The `seed` field of each request (lm-eval sends 1234). @defaultValue 1234 */
  seed?: number;
  /** Request headers (content type and authorization included). */
  headers?: () => Record<string, string>;
  /** A fetch to send the requests with. @defaultValue `node:http` / `node:https` with a keep-alive agent (less CPU per request than the built-in fetch) */
  fetch?: typeof fetch;
  /** The largest response body read; a longer one fails the request unread. @defaultValue 4194304 (4 MiB) */
  maxResponseBytes?: number;
}

/**
 * A log-likelihood client over `/completions`: the `loglikelihood` function and, with a tokenizer,
 * the token ids each request is sent as (see {@link completionsLoglikelihoodClient}).
 *
 * @example
 * ```ts
 * import type { CompletionsLoglikelihoodClient } from 'exptrack/eval';
 * declare const client: CompletionsLoglikelihoodClient;
 * await client.loglikelihood([{ context: 'The sky is', continuation: ' blue' }], {});
 * ```
 */
export interface CompletionsLoglikelihoodClient {
  /** Scores the requests in one `/completions` call (a batch of prompts when there are several). */
  loglikelihood(requests: readonly LoglikelihoodRequest[], options: LoglikelihoodOptions): Promise<LoglikelihoodResult[]>;
  /** With a tokenizer: each request's context and continuation tokens, before truncation (what `Model.loglikelihoodTokens` gives). */
  loglikelihoodTokens?(requests: readonly LoglikelihoodRequest[]): Promise<number[][]>;
}

/**
 * Makes a `loglikelihood` implementation over `/completions`. With a tokenizer, each request is
 * tokenized as lm-eval tokenizes it and sent as token ids with the body fields `model`, `prompt`,
 * `temperature` 0, `max_tokens` 1, `logprobs` 1, `seed` 1234 and `echo` true. One call sends its
 * requests in one body, in the order given: `prompt` is the list of their token lists (one list for
 * one request, as lm-eval's `batch_size=1`; several for a batch, as lm-eval's `batch_size=N`), and
 * the answers are read from `choices` by `index`. Without a tokenizer, `prompt` is the text (a list
 * of texts for a batch) and the boundary is found from `text_offset`; that mode cannot truncate to
 * the model's window and tokenizes the context together with the continuation, so it is close to,
 * but not exactly, lm-eval.
 *
 * @param config - the endpoint, the model and the tokenizer
 * @returns the function to put on a {@link Model}
 * @throws ExptrackError `invalid_input` for a bad `maxLength`
 * @example
 * ```ts
 * import { completionsLoglikelihood } from 'exptrack/eval';
 * const loglikelihood = completionsLoglikelihood({ url: 'http://127.0.0.1:8000/v1/completions', model: 'm', tokenizer: './tokenizer.json' });
 * const [r] = await loglikelihood([{ context: 'The sky is', continuation: ' blue' }], {});
 * ```
 */
export function completionsLoglikelihood(
  config: CompletionsLoglikelihoodConfig,
): (requests: readonly LoglikelihoodRequest[], options: LoglikelihoodOptions) => Promise<LoglikelihoodResult[]> {
  return completionsLoglikelihoodClient(config).loglikelihood;
}

/**
 * {@link completionsLoglikelihood}, with `loglikelihoodTokens` beside it when a tokenizer is given:
 * the runner orders and batches requests by their tokens as lm-eval does. Tokens computed there are
 * kept (per request object) and not computed again when the request is sent.
 *
 * @param config - the endpoint, the model and the tokenizer
 * @returns the client
 * @throws ExptrackError `invalid_input` for a bad `maxLength` or tokenizer
 * @example
 * ```ts
 * import { completionsLoglikelihoodClient } from 'exptrack/eval';
 * const client = completionsLoglikelihoodClient({ url: 'http://127.0.0.1:8000/v1/completions', model: 'm', tokenizer: './tokenizer.json' });
 * const tokens = await client.loglikelihoodTokens?.([{ context: 'The sky is', continuation: ' blue' }]);
 * ```
 */
export function completionsLoglikelihoodClient(config: CompletionsLoglikelihoodConfig): CompletionsLoglikelihoodClient {
  const maxLength = config.maxLength ?? 2048;
  if (!Number.isInteger(maxLength) || maxLength < 2) throw invalidInput('maxLength', maxLength, 'must be an integer >= 2');
  const seed = config.seed ?? 1234;
  let tokenizer: Promise<TextTokenizer> | undefined;
  if (config.tokenizer !== undefined) {
    const given = config.tokenizer;
    if (typeof given !== 'string' && (given === null || typeof given !== 'object' || typeof given.encode !== 'function')) {
      throw invalidInput('tokenizer', given, 'must be a tokenizer.json path or an object with encode(text)');
    }
  }
  const getTokenizer = (): Promise<TextTokenizer> | undefined => {
    if (config.tokenizer === undefined) return undefined;
    if (!tokenizer) {
      tokenizer = (typeof config.tokenizer === 'string' ? loadTokenizer(config.tokenizer) : Promise.resolve(config.tokenizer)).then((t) => memoizedTokenizer(t));
      // A failed load is reported to every caller, and tried again by the next one.
      tokenizer.catch(() => (tokenizer = undefined));
    }
    return tokenizer;
  };
  // The pair of each request object already encoded (by loglikelihoodTokens, or a send to retry).
  const encoded = new WeakMap<LoglikelihoodRequest, { context: number[]; continuation: number[] }>();
  const pairOf = (tok: TextTokenizer, request: LoglikelihoodRequest) => {
    let pair = encoded.get(request);
    if (!pair) {
      pair = encodeLoglikelihoodPair(tok, request);
      encoded.set(request, pair);
    }
    return pair;
  };
  const checked = (requests: readonly LoglikelihoodRequest[]): readonly LoglikelihoodRequest[] => {
    if (!Array.isArray(requests)) throw invalidInput('requests', requests, 'must be an array of { context, continuation }');
    requests.forEach((request, i) => {
      if (typeof request?.context !== 'string') throw invalidInput(`requests[${i}].context`, request?.context, 'must be a string');
      if (typeof request.continuation !== 'string') throw invalidInput(`requests[${i}].continuation`, request.continuation, 'must be a string');
    });
    return requests;
  };

  const loglikelihood = async (given: readonly LoglikelihoodRequest[], options: LoglikelihoodOptions): Promise<LoglikelihoodResult[]> => {
    const requests = checked(given);
    if (requests.length === 0) return [];
    const tokPromise = getTokenizer();
    if (tokPromise) {
      const tok = await tokPromise;
      const inputs = requests.map((r) => truncateLoglikelihoodInput(pairOf(tok, r), maxLength));
      const json = await post(config, { model: config.model, prompt: inputs.map((i) => i.tokens), temperature: 0, max_tokens: 1, logprobs: 1, seed, echo: true }, options.signal);
      const choices = choicesByIndex(json, inputs.length);
      return inputs.map((input, i) => readChoiceLoglikelihood(choices[i]!, input.contextLength, input.tokens.length));
    }
    requests.forEach((r, i) => {
      if (r.context === '') throw invalidInput(`requests[${i}].context`, '', 'is empty: scoring a continuation without context needs a tokenizer');
    });
    const texts = requests.map((r) => r.context + r.continuation);
    const json = await post(config, { model: config.model, prompt: texts.length === 1 ? texts[0] : texts, temperature: 0, max_tokens: 1, logprobs: 1, seed, echo: true }, options.signal);
    const choices = choicesByIndex(json, requests.length);
    return requests.map((request, i) => {
      const { tokenLogprobs, textOffset } = readChoiceLogprobs(choices[i]!);
      if (!textOffset || textOffset.some((o) => typeof o !== 'number')) throw malformed(`choices[${i}].logprobs.text_offset is missing (needed without a tokenizer)`);
      const promptTokens = tokenLogprobs.length - 1;
      const contextLength = contextTokensFromOffsets(textOffset as number[], codePoints(request.context), promptTokens);
      return readChoiceLoglikelihood(choices[i]!, contextLength, promptTokens);
    });
  };

  if (config.tokenizer === undefined) return { loglikelihood };
  return {
    loglikelihood,
    async loglikelihoodTokens(given) {
      const requests = checked(given);
      const tok = await getTokenizer()!;
      return requests.map((r) => {
        const pair = pairOf(tok, r);
        return pair.context.concat(pair.continuation);
      });
    },
  };
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

async function post(config: CompletionsLoglikelihoodConfig, body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<unknown> {
  const { json } = await postJson({
    url: config.url,
    headers: config.headers?.() ?? { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
    maxBytes: config.maxResponseBytes ?? DEFAULT_RESPONSE_BYTES,
    fetch: config.fetch,
  });
  return json;
}
