/**
 * A read-only parser of the git index file (`.git/index`, versions 2 to 4), for the isomorphic-git
 * fallback: it needs each entry's stat data and the cache-tree, which isomorphic-git does not expose.
 * @module
 */

/** One index entry: a path staged at some stage, with the stat data git recorded for it. */
export interface IndexEntry {
  path: string;
  /** The blob (or gitlink commit) id, 40 hex characters. */
  oid: string;
  /** The git mode: 0o100644, 0o100755, 0o120000 (symlink), 0o160000 (gitlink). */
  mode: number;
  /** 0 for a normal entry, 1 to 3 for the sides of a merge conflict. */
  stage: number;
  ctimeSeconds: number;
  ctimeNanoseconds: number;
  mtimeSeconds: number;
  mtimeNanoseconds: number;
  ino: number;
  /** The file size, truncated to 32 bits as git stores it. */
  size: number;
  /** The entry is taken as unchanged without looking at the work tree (`update-index --assume-unchanged`). */
  assumeValid: boolean;
  /** The entry is outside a sparse checkout. */
  skipWorktree: boolean;
  /** The path was added with `git add -N`: tracked, no content yet. */
  intentToAdd: boolean;
}

/** One node of the cache-tree extension: the tree object id the index holds for a directory, if known. */
export interface CacheTreeNode {
  /** The tree id, or null when the node is invalidated (something under it changed). */
  oid: string | null;
  /** Child directories by name. */
  children: Map<string, CacheTreeNode>;
}

/** A parsed index. */
export interface GitIndex {
  version: number;
  entries: IndexEntry[];
  /** The root of the cache-tree extension, or null when the index has none. */
  cacheTree: CacheTreeNode | null;
}

/** Why an index could not be read: `unsupported` for a feature this parser does not read, else corrupt. */
export class GitIndexError extends Error {
  override readonly name = 'GitIndexError';
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

function parseCacheTree(data: Buffer): CacheTreeNode | null {
  let pos = 0;
  function node(): CacheTreeNode {
    const nul = data.indexOf(0, pos);
    if (nul === -1) throw new GitIndexError('corrupt cache-tree extension');
    pos = nul + 1;
    const newline = data.indexOf(0x0a, pos);
    if (newline === -1) throw new GitIndexError('corrupt cache-tree extension');
    const [countText, subtreesText] = data.toString('latin1', pos, newline).split(' ');
    pos = newline + 1;
    const entryCount = Number(countText);
    const subtreeCount = Number(subtreesText);
    if (!Number.isInteger(entryCount) || !Number.isInteger(subtreeCount)) throw new GitIndexError('corrupt cache-tree extension');
    let oid: string | null = null;
    if (entryCount >= 0) {
      oid = data.toString('hex', pos, pos + 20);
      pos += 20;
    }
    const children = new Map<string, CacheTreeNode>();
    for (let i = 0; i < subtreeCount; i++) {
      const nameEnd = data.indexOf(0, pos);
      const name = data.toString('utf8', pos, nameEnd);
      children.set(name, node());
    }
    return { oid, children };
  }
  if (data.length === 0) return null;
  // The root node's name is the empty string.
  return node();
}

/**
 * Parses an index file. Split indexes (`link` extension) and sparse indexes (directory entries) are
 * refused with a {@link GitIndexError}: their entries are not all in this file.
 *
 * @param buf - The bytes of `.git/index`.
 * @returns The version, the entries in index order, and the cache-tree.
 * @throws {@link GitIndexError} when the file is not an index or uses an unsupported feature.
 *
 * @example
 * ```ts
 * const index = parseGitIndex(readFileSync('.git/index'));
 * index.entries.map((e) => e.path);
 * ```
 */
export function parseGitIndex(buf: Buffer): GitIndex {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'DIRC') throw new GitIndexError('not a git index file');
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) throw new GitIndexError(`unsupported index version ${version}`, true);
  const count = buf.readUInt32BE(8);
  const end = buf.length - 20; // trailing checksum
  const entries: IndexEntry[] = [];
  let pos = 12;
  let previousPath: Buffer = Buffer.alloc(0);
  for (let i = 0; i < count; i++) {
    if (pos + 62 > end) throw new GitIndexError('truncated index');
    const start = pos;
    const flags = buf.readUInt16BE(pos + 60);
    let extended = 0;
    pos += 62;
    if ((flags & 0x4000) !== 0) {
      if (version < 3) throw new GitIndexError('extended flag in a version 2 index');
      extended = buf.readUInt16BE(pos);
      pos += 2;
    }
    let pathBytes: Buffer;
    if (version === 4) {
      // Path compression: strip N bytes from the end of the previous path, then append a NUL-terminated suffix.
      let byte = buf[pos++] ?? 0;
      let strip = byte & 0x7f;
      while ((byte & 0x80) !== 0) {
        byte = buf[pos++] ?? 0;
        strip = ((strip + 1) << 7) | (byte & 0x7f);
      }
      const nul = buf.indexOf(0, pos);
      if (nul === -1 || strip > previousPath.length) throw new GitIndexError('corrupt index path');
      pathBytes = Buffer.concat([previousPath.subarray(0, previousPath.length - strip), buf.subarray(pos, nul)]);
      pos = nul + 1;
    } else {
      const nul = buf.indexOf(0, pos);
      if (nul === -1) throw new GitIndexError('corrupt index path');
      pathBytes = buf.subarray(pos, nul);
      // Entries are padded with 1 to 8 NULs to a multiple of 8 bytes.
      pos = start + ((nul - start + 8) & ~7);
    }
    previousPath = pathBytes;
    const mode = buf.readUInt32BE(start + 24);
    if ((mode & 0o170000) === 0o040000) throw new GitIndexError('sparse index (directory entries) is not supported', true);
    entries.push({
      path: pathBytes.toString('utf8'),
      oid: buf.toString('hex', start + 40, start + 60),
      mode,
      stage: (flags >> 12) & 0x3,
      ctimeSeconds: buf.readUInt32BE(start),
      ctimeNanoseconds: buf.readUInt32BE(start + 4),
      mtimeSeconds: buf.readUInt32BE(start + 8),
      mtimeNanoseconds: buf.readUInt32BE(start + 12),
      ino: buf.readUInt32BE(start + 20),
      size: buf.readUInt32BE(start + 36),
      assumeValid: (flags & 0x8000) !== 0,
      skipWorktree: (extended & 0x4000) !== 0,
      intentToAdd: (extended & 0x2000) !== 0,
    });
  }
  let cacheTree: CacheTreeNode | null = null;
  while (pos + 8 <= end) {
    const signature = buf.toString('latin1', pos, pos + 4);
    const size = buf.readUInt32BE(pos + 4);
    const data = buf.subarray(pos + 8, pos + 8 + size);
    if (signature === 'link') throw new GitIndexError('split index is not supported', true);
    if (signature === 'sdir') throw new GitIndexError('sparse index is not supported', true);
    if (signature === 'TREE') cacheTree = parseCacheTree(data);
    pos += 8 + size;
  }
  return { version, entries, cacheTree };
}
