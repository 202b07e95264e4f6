/**
 * `openAICompatibleModel`: a {@link Model} for any server speaking the OpenAI HTTP API (OpenAI,
 * vLLM, Ollama, llama.cpp server, TGI...), over `node:http` with keep-alive sockets (or a fetch of the caller's).
 */
import { ExptrackError, invalidInput } from '../../core/errors.js';
import { ModelRequestError } from '../model.js';
import { postJson } from './post-json.js';
import { redactUrl } from '../../capture/redact-secrets.js';
import type { GenerateOptions, GenerateResult, Model, Prompt } from '../types.js';
import { completionsLoglikelihoodClient } from './completions-loglikelihood.js';
import type { TextTokenizer } from './tokenizer.js';

/**
 * Options of {@link openAICompatibleModel}.
 *
 * @example
 * ```ts
 * import type { OpenAICompatibleOptions } from 'exptrack/eval';
 * const o: OpenAICompatibleOptions = { baseURL: 'http://127.0.0.1:11434/v1', model: 'llama3.2', endpoint: 'chat' };
 * ```
 */
export interface OpenAICompatibleOptions {
  /** The model name sent in each request. */
  model: string;
  /** The API root, up to and including `/v1`. @defaultValue `$OPENAI_BASE_URL`, else `https://api.openai.com/v1` */
  baseURL?: string;
  /** The API key. @defaultValue the variable named by `apiKeyEnv` */
  apiKey?: string;
  /** The environment variable holding the key. @defaultValue 'OPENAI_API_KEY' */
  apiKeyEnv?: string;
  /** `chat` (/chat/completions) or `completions` (/completions, for base models and lm-eval parity). @defaultValue 'chat' */
  endpoint?: 'chat' | 'completions';
  /** Prices in US dollars per 1,000 tokens, for the cost estimate. */
  pricing?: { promptPer1k: number; completionPer1k: number };
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Extra body fields (e.g. `seed`, `top_p`). */
  extraBody?: Record<string, unknown>;
  /** The id used in cache keys and results. @defaultValue `openai-compatible:<model>@<baseURL>` (credentials in the URL redacted) */
  id?: string;
  /**
   * A fetch to send the requests with. @defaultValue `node:http` / `node:https` with a keep-alive
   * agent, bounded the same way (a third of the built-in fetch's CPU per request)
   */
  fetch?: typeof fetch;
  /**
   * For log-likelihood requests (`endpoint: 'completions'`): a Hugging Face `tokenizer.json` path
   * (loaded with the optional peer `@huggingface/tokenizers`) or a tokenizer. With it, requests are
   * tokenized and truncated exactly as lm-eval's `local-completions` does; without it, the text is
   * sent and split with the server's `text_offset` (approximate, no truncation).
   */
  tokenizer?: string | TextTokenizer;
  /** lm-eval's `max_length` for log-likelihood requests (left truncation to `maxLength - 1` tokens). @defaultValue 2048 */
  maxLength?: number;
  /**
   * The largest response body read, in bytes: a longer one fails the request (not retried) with an
   * error naming the cap, and the rest is never read. @defaultValue 4194304 (4 MiB)
   */
  maxResponseBytes?: number;
}

/**
 * The default of {@link OpenAICompatibleOptions.maxResponseBytes}: 4 MiB.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_RESPONSE_BYTES, openAICompatibleModel } from 'exptrack/eval';
 * const model = openAICompatibleModel({ model: 'm', maxResponseBytes: 4 * DEFAULT_MAX_RESPONSE_BYTES });
 * ```
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * A model backed by an OpenAI-compatible HTTP server. Text prompts go to `/completions` as
 * `prompt` (or to `/chat/completions` as one user message); chat prompts need the chat endpoint.
 * Errors become {@link ModelRequestError}s carrying the status and `retry-after`, so the runner
 * retries 429 and 5xx and waits as the server asks. Token usage and (with `pricing`) a cost estimate
 * are returned when the server reports usage.
 *
 * A misbehaving server is bounded: a body longer than `maxResponseBytes` fails the request, and a
 * redirect is followed only within the origin of `baseURL` (a redirect to another origin fails the
 * request, so no header, `authorization` or custom, ever reaches another host).
 *
 * @param options - the server, the model name and the key
 * @returns the model
 * @throws ExptrackError `invalid_input` for a missing model name or a bad endpoint
 * @example
 * ```ts
 * import { openAICompatibleModel, evaluate, Gsm8kBenchmark } from 'exptrack/eval';
 * const model = openAICompatibleModel({ baseURL: 'http://127.0.0.1:8000/v1', model: 'Qwen/Qwen2.5-0.5B', endpoint: 'completions' });
 * const result = await evaluate({ model, benchmark: new Gsm8kBenchmark({ source: './gsm8k' }), numSamples: 50 });
 * ```
 */
export function openAICompatibleModel(options: OpenAICompatibleOptions): Model {
  if (typeof options.model !== 'string' || options.model === '') throw invalidInput('model', options.model, 'must be a non-empty string');
  const endpoint = options.endpoint ?? 'chat';
  if (endpoint !== 'chat' && endpoint !== 'completions') throw invalidInput('endpoint', endpoint, "must be 'chat' or 'completions'");
  const baseURL = (options.baseURL ?? process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(baseURL);
  } catch {
    throw invalidInput('baseURL', redactUrl(baseURL), 'must be an absolute URL (http://host:port/v1)');
  }
  // fetch refuses a URL with user-info: it becomes a Basic authorization header (unless an API key is given).
  const basicAuth = parsed.username === '' && parsed.password === '' ? undefined : `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
  parsed.username = '';
  parsed.password = '';
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/${endpoint === 'chat' ? 'chat/completions' : 'completions'}`;
  const url = parsed.toString();
  // What results, cache keys and error messages say: the URL without credentials (`user:pass@`, `?key=`).
  const shownUrl = redactUrl(url);
  const id = options.id ?? `openai-compatible:${options.model}@${redactUrl(baseURL)}`;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw invalidInput('maxResponseBytes', maxBytes, 'must be an integer >= 1');

  const authHeaders = (): Record<string, string> => {
    const apiKey = options.apiKey ?? process.env[options.apiKeyEnv ?? 'OPENAI_API_KEY'];
    const authorization = apiKey ? `Bearer ${apiKey}` : basicAuth;
    return { 'content-type': 'application/json', ...options.headers, ...(authorization === undefined ? {} : { authorization }) };
  };
  const loglikelihoodClient =
    endpoint === 'completions'
      ? completionsLoglikelihoodClient({
          url,
          model: options.model,
          headers: authHeaders,
          maxResponseBytes: maxBytes,
          ...(options.tokenizer === undefined ? {} : { tokenizer: options.tokenizer }),
          ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        })
      : undefined;

  return {
    id,
    ...(loglikelihoodClient?.loglikelihood ? { loglikelihood: loglikelihoodClient.loglikelihood } : {}),
    ...(loglikelihoodClient?.loglikelihoodTokens ? { loglikelihoodTokens: loglikelihoodClient.loglikelihoodTokens } : {}),
    async generate(prompt: Prompt, gen: GenerateOptions): Promise<GenerateResult> {
      const body: Record<string, unknown> = { model: options.model, ...options.extraBody };
      if (endpoint === 'chat') {
        body.messages = typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt.map((m) => ({ role: m.role, content: m.content }));
      } else {
        if (typeof prompt !== 'string') {
          throw new ExptrackError('chat messages need the chat endpoint (endpoint: "chat")', { code: 'invalid_input', field: 'prompt' });
        }
        body.prompt = prompt;
      }
      if (gen.maxTokens !== undefined) body.max_tokens = gen.maxTokens;
      if (gen.temperature !== undefined) body.temperature = gen.temperature;
      if (gen.stop && gen.stop.length > 0) body.stop = [...gen.stop];
      const { status, json } = await postJson({ url, headers: authHeaders(), body: JSON.stringify(body), signal: gen.signal, maxBytes, fetch: options.fetch });
      const text = readText(json, endpoint);
      if (text === undefined) {
        throw new ModelRequestError(`response of ${shownUrl} has no ${endpoint === 'chat' ? 'choices[0].message.content' : 'choices[0].text'}`, {
          code: 'backend_failed',
          status,
          retryable: false,
        });
      }
      const usage = readUsage(json);
      const result: GenerateResult = { text };
      if (usage) {
        result.usage = usage;
        if (options.pricing) {
          result.costUsd =
            ((usage.promptTokens ?? 0) * options.pricing.promptPer1k + (usage.completionTokens ?? 0) * options.pricing.completionPer1k) / 1000;
        }
      }
      return result;
    },
  };
}

function readText(json: unknown, endpoint: 'chat' | 'completions'): string | undefined {
  const choice = (json as { choices?: unknown[] } | null)?.choices?.[0] as Record<string, unknown> | undefined;
  if (!choice) return undefined;
  if (endpoint === 'chat') {
    const content = (choice.message as { content?: unknown } | undefined)?.content;
    if (typeof content === 'string') return content;
    if (content === null) return '';
    return undefined;
  }
  return typeof choice.text === 'string' ? choice.text : undefined;
}

function readUsage(json: unknown): { promptTokens?: number; completionTokens?: number } | undefined {
  const u = (json as { usage?: Record<string, unknown> } | null)?.usage;
  if (!u || typeof u !== 'object') return undefined;
  const out: { promptTokens?: number; completionTokens?: number } = {};
  if (typeof u.prompt_tokens === 'number') out.promptTokens = u.prompt_tokens;
  if (typeof u.completion_tokens === 'number') out.completionTokens = u.completion_tokens;
  return Object.keys(out).length ? out : undefined;
}
