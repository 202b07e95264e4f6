/**
 * Who may call the tracking server: bearer tokens, each read-only or read-write, compared in
 * constant time. Tokens come from `EXPTRACK_SERVER_TOKEN` (read-write), `EXPTRACK_SERVER_READ_TOKEN`
 * (read-only) and a token file (one `read <token>` or `write <token>` per line; `#` comments).
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Access } from './router.js';

/** What a token allows. */
export type Role = 'read' | 'write';

/** A token and what it allows. */
export interface ServerToken {
  token: string;
  role: Role;
}

/** Shortest token accepted: a guessable token is no protection. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * The tokens of a server, checked in constant time: both sides are hashed first, so neither the
 * content nor the length of a token leaks through timing.
 *
 * @example
 * ```ts
 * const auth = new TokenAuth([{ token: 'a-long-random-token-1', role: 'write' }]);
 * auth.roleOf('Bearer a-long-random-token-1'); // 'write'
 * ```
 */
export class TokenAuth {
  private readonly digests: Array<{ digest: Buffer; role: Role }>;

  /**
   * @param tokens - the tokens; none means an open server (loopback only)
   * @throws Error for a token shorter than {@link MIN_TOKEN_LENGTH}
   */
  constructor(tokens: readonly ServerToken[]) {
    for (const { token } of tokens) {
      if (token.length < MIN_TOKEN_LENGTH) throw new Error(`a server token must be at least ${MIN_TOKEN_LENGTH} characters`);
    }
    this.digests = tokens.map(({ token, role }) => ({ digest: digest(token), role }));
  }

  /** Whether requests need a token. */
  get required(): boolean {
    return this.digests.length > 0;
  }

  /**
   * The role an `Authorization` header grants.
   *
   * @param header - the header value, or undefined
   * @returns the role, `write` for an open server, or undefined when the token is missing or wrong
   */
  roleOf(header: string | undefined): Role | undefined {
    if (!this.required) return 'write';
    const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
    if (given === undefined) return undefined;
    const d = digest(given);
    let role: Role | undefined;
    // Every token is compared, whichever matches, so the time taken does not tell which did.
    for (const entry of this.digests) if (timingSafeEqual(d, entry.digest) && role !== 'write') role = entry.role;
    return role;
  }
}

/**
 * Whether a role may use a route of the given access.
 *
 * @param role - the caller's role
 * @param access - what the route needs
 * @returns true when allowed
 * @example
 * ```ts
 * allows('read', 'write'); // false
 * ```
 */
export function allows(role: Role | undefined, access: Access): boolean {
  if (access === 'public') return true;
  if (role === undefined) return false;
  return access === 'read' || role === 'write';
}

/**
 * Reads the server's tokens from the environment and an optional token file.
 *
 * @param env - the environment (`EXPTRACK_SERVER_TOKEN`, `EXPTRACK_SERVER_READ_TOKEN`)
 * @param tokenFile - a file of `read <token>` / `write <token>` lines
 * @returns the tokens
 * @throws Error naming the file and line of a malformed entry
 * @example
 * ```ts
 * const tokens = loadServerTokens(process.env, '/etc/exptrack/tokens');
 * ```
 */
export function loadServerTokens(env: Readonly<Record<string, string | undefined>>, tokenFile?: string): ServerToken[] {
  const tokens: ServerToken[] = [];
  if (env.EXPTRACK_SERVER_TOKEN) tokens.push({ token: env.EXPTRACK_SERVER_TOKEN, role: 'write' });
  if (env.EXPTRACK_SERVER_READ_TOKEN) tokens.push({ token: env.EXPTRACK_SERVER_READ_TOKEN, role: 'read' });
  if (tokenFile !== undefined) {
    const lines = readFileSync(tokenFile, 'utf8').split(/\r?\n/);
    lines.forEach((line, i) => {
      const text = line.trim();
      if (text === '' || text.startsWith('#')) return;
      const m = /^(read|write)\s+(\S+)$/.exec(text);
      if (!m) throw new Error(`${tokenFile}:${i + 1}: expected "read <token>" or "write <token>"`);
      tokens.push({ role: m[1] as Role, token: m[2]! });
    });
  }
  return tokens;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
