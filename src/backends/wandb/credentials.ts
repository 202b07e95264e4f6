import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ExptrackError } from '../../core/errors.js';

/** The public W&B API server. */
export const DEFAULT_WANDB_BASE_URL = 'https://api.wandb.ai';

/** The base URL to use: the option, `WANDB_BASE_URL`, or the public server; without a trailing slash. */
export function resolveBaseUrl(baseUrl: string | undefined): string {
  const url = baseUrl || process.env.WANDB_BASE_URL || DEFAULT_WANDB_BASE_URL;
  return url.replace(/\/+$/, '');
}

/**
 * Finds the API key: the option, `WANDB_API_KEY`, or the `password` of the base URL's host in
 * `~/.netrc` (or the file named by `NETRC`), as the W&B clients do.
 *
 * @throws ExptrackError `invalid_input` when none is found.
 */
export function resolveApiKey(apiKey: string | undefined, baseUrl: string): string {
  const key = apiKey || process.env.WANDB_API_KEY || netrcPassword(new URL(baseUrl).hostname);
  if (!key) {
    throw new ExptrackError(`no W&B API key: pass apiKey, set WANDB_API_KEY, or add "machine ${new URL(baseUrl).hostname} login user password <key>" to ~/.netrc`, {
      code: 'invalid_input',
      field: 'apiKey',
      backend: 'wandb',
    });
  }
  return key;
}

/** The password for `host` in the netrc file, or undefined. Never throws. */
export function netrcPassword(host: string, file = process.env.NETRC || join(homedir(), '.netrc')): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const tokens = text
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .join('\n')
    .split(/\s+/)
    .filter((t) => t.length > 0);
  let current: string | undefined;
  let fallback: string | undefined;
  const found = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === 'machine') current = tokens[++i];
    else if (token === 'default') current = '\u0000default';
    else if (token === 'password') {
      const value = tokens[++i];
      if (value === undefined || current === undefined) continue;
      if (current === '\u0000default') fallback ??= value;
      else if (!found.has(current)) found.set(current, value);
    }
  }
  return found.get(host) ?? fallback;
}

/** The `Authorization` header W&B expects: HTTP Basic with the user `api`. */
export function authorizationHeader(apiKey: string): string {
  return `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`;
}
