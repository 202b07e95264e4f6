/**
 * Removes credentials from URLs: the remote URL of a repository and URL-looking environment values.
 * @module
 */

/** `scheme://` at the start of a URL (RFC 3986 scheme). */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** A `scheme://userinfo@` prefix anywhere in a text; the userinfo stops at `/ ? #`, white space or quotes. */
const USERINFO_IN_TEXT = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#@'"<>]*@/g;

/**
 * Removes the credentials from a URL, keeping everything else byte for byte.
 *
 * For `http`, `https` and any scheme other than `ssh` and `git`, the whole user-info part is dropped:
 * a bare user name may itself be a token (`https://ghp_x@github.com/o/r.git`). For `ssh://` and `git://`
 * only a password is dropped: `ssh://git@host/r.git` names an account, not a secret. An scp-style
 * address (`git@host:o/r.git`) and a local path have no scheme and are returned as they are.
 *
 * @param url - The URL as configured.
 * @returns The URL without credentials.
 *
 * @example
 * ```ts
 * stripUrlCredentials('https://user:token@host/x.git'); // 'https://host/x.git'
 * stripUrlCredentials('ssh://git:pw@host/x.git');       // 'ssh://git@host/x.git'
 * stripUrlCredentials('git@host:x.git');                // 'git@host:x.git'
 * ```
 */
export function stripUrlCredentials(url: string): string {
  const scheme = SCHEME.exec(url);
  if (scheme === null) return url;
  const prefix = scheme[0];
  const rest = url.slice(prefix.length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at === -1) return url;
  const userinfo = authority.slice(0, at);
  const hostAndPath = rest.slice(at + 1);
  const name = prefix.slice(0, -3).toLowerCase();
  if (name === 'ssh' || name === 'git' || name === 'git+ssh' || name === 'ssh+git') {
    const colon = userinfo.indexOf(':');
    return colon === -1 ? url : `${prefix}${userinfo.slice(0, colon)}@${hostAndPath}`;
  }
  return prefix + hostAndPath;
}

/**
 * Removes the user-info part (`user:pass@`, `token@`) of every URL found in a text, such as an
 * environment value that holds one URL or a list of them.
 *
 * @param text - Any text.
 * @returns The text with every `scheme://userinfo@` reduced to `scheme://`.
 *
 * @example
 * ```ts
 * redactUrlCredentials('postgres://u:p@db:5432/x,https://h/y'); // 'postgres://db:5432/x,https://h/y'
 * ```
 */
export function redactUrlCredentials(text: string): string {
  return text.includes('://') ? text.replace(USERINFO_IN_TEXT, '$1') : text;
}
