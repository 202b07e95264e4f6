/**
 * Keeping secrets out of what a run records: the values of credential flags in `argv`, the
 * user-info of URLs and their credential query parameters, wherever they appear (argv, environment
 * values, git remotes, store and model URLs).
 * @module
 */
import { stripUrlCredentials } from './redact-url.js';

/** What a secret is replaced by. */
export const REDACTED = '[redacted]';

/**
 * Extra rules of what is a secret, on top of the built-in ones.
 *
 * @example
 * ```ts
 * const rules: RedactionRules = { flags: ['--hf-pass'], queryParams: ['X-Goog-Credential'], patterns: [/hf_[A-Za-z0-9]{30,}/g] };
 * ```
 */
export interface RedactionRules {
  /** More flag names whose value is a secret (`--hf-pass`; matched without case). */
  flags?: readonly string[];
  /** More URL query parameter names whose value is a secret (matched without case). */
  queryParams?: readonly string[];
  /** Patterns whose matches, in any recorded argument or environment value, are replaced by `[redacted]`. */
  patterns?: readonly RegExp[];
}

/** Flag names (after the dashes) whose value is a credential: `--api-key`, `--token`, `--password`, `--secret`, `--auth`, `--auth-token`, `--db-password`, `--hf_token`... */
const SECRET_FLAG = /^(?:auth|auth[-_][\w-]+|authorization|[\w-]*(?:api[-_]?key|token|passw(?:or)?d|pwd|secret|credentials?|private[-_]?key|access[-_]?key))$/i;

/** URL query parameters whose value is a credential (pg's `password`, `sslpassword`; signed URLs' `sig`, `signature`...). */
const SECRET_PARAM = /^(?:password|passwd|pwd|sslpassword|sslkey|token|access_token|refresh_token|id_token|auth|authorization|key|api_key|apikey|sig|signature|secret|client_secret|credential|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential)$/i;

/** A URL inside a text: `scheme://` up to white space, a quote or `<>`. */
const URL_IN_TEXT = /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s'"<>]+/g;

/**
 * Removes the credentials from a URL: its user-info (as {@link stripUrlCredentials} does) and the
 * values of credential query parameters (`?password=`, `sslpassword`, `token`, `key`, `sig`...),
 * which become `[redacted]`. Host, port, path and every other parameter are kept.
 *
 * @param url - a URL
 * @param rules - extra query parameter names
 * @returns the URL without credentials
 * @example
 * ```ts
 * redactUrl('postgres://admin:pw@db:5432/x?sslmode=require&password=pw2');
 * // 'postgres://db:5432/x?sslmode=require&password=[redacted]'
 * ```
 */
export function redactUrl(url: string, rules: RedactionRules = {}): string {
  const stripped = stripUrlCredentials(url);
  const q = stripped.indexOf('?');
  if (q === -1) return stripped;
  const hash = stripped.indexOf('#', q);
  const query = stripped.slice(q + 1, hash === -1 ? undefined : hash);
  const extra = new Set((rules.queryParams ?? []).map((p) => p.toLowerCase()));
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: judge the name as written
      }
      return SECRET_PARAM.test(name) || extra.has(name.toLowerCase()) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
  return stripped.slice(0, q + 1) + redacted + (hash === -1 ? '' : stripped.slice(hash));
}

/**
 * Removes the credentials of every URL found in a text (an environment value holding one URL or a
 * list of them), and the matches of the extra patterns.
 *
 * @param text - any text
 * @param rules - extra query parameter names and patterns
 * @returns the text without credentials
 * @example
 * ```ts
 * redactText('postgres://u:p@db/x?password=p,https://h/y'); // 'postgres://db/x?password=[redacted],https://h/y'
 * ```
 */
export function redactText(text: string, rules: RedactionRules = {}): string {
  let out = text.includes('://') ? text.replace(URL_IN_TEXT, (url) => redactUrl(url, rules)) : text;
  for (const pattern of rules.patterns ?? []) out = out.replace(globalOf(pattern), REDACTED);
  return out;
}

/**
 * Removes secrets from a command line: the value of a flag whose name looks like a credential
 * (`--api-key sk-…` and `--api-key=sk-…` both keep the flag and lose the value), URL credentials
 * in any argument, and the matches of the extra patterns. Flag names stay, so the command still
 * says what it was given.
 *
 * @param argv - the command line
 * @param rules - extra flag names, query parameters and patterns
 * @returns a new array, secrets replaced by `[redacted]`
 * @example
 * ```ts
 * redactArgv(['node', 'train.mjs', '--api-key', 'sk-live-1', '--token=t', '--db', 'postgres://a:pw@h/x']);
 * // ['node', 'train.mjs', '--api-key', '[redacted]', '--token=[redacted]', '--db', 'postgres://h/x']
 * ```
 */
export function redactArgv(argv: readonly string[], rules: RedactionRules = {}): string[] {
  const extra = new Set((rules.flags ?? []).map((f) => f.replace(/^-+/, '').toLowerCase()));
  const isSecretFlag = (name: string) => SECRET_FLAG.test(name) || extra.has(name.toLowerCase());
  const out: string[] = [];
  let hideNext = false;
  for (const arg of argv) {
    if (hideNext) {
      hideNext = false;
      if (!arg.startsWith('-')) {
        out.push(REDACTED);
        continue;
      }
    }
    const flag = /^(--?)([A-Za-z][\w.-]*)(=?)/.exec(arg);
    if (flag !== null && isSecretFlag(flag[2] as string)) {
      if (flag[3] === '=') {
        out.push(`${flag[0]}${REDACTED}`);
        continue;
      }
      if (arg === flag[0]) hideNext = true;
    }
    out.push(redactText(arg, rules));
  }
  return out;
}

function globalOf(pattern: RegExp): RegExp {
  return pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`);
}
