/**
 * The file system handed to isomorphic-git: reads go to `node:fs` (memoised for one capture), and
 * every write method fails. isomorphic-git can then not write to `.git`, whatever it does inside.
 * @module
 */
import { promises as fsp } from 'node:fs';

/** The promise-based file system shape isomorphic-git binds to. */
export interface ReadOnlyFs {
  promises: Record<'readFile' | 'writeFile' | 'mkdir' | 'rmdir' | 'unlink' | 'stat' | 'lstat' | 'readdir' | 'readlink' | 'symlink', (...args: never[]) => Promise<unknown>>;
}

function refuse(name: string): (path: unknown) => Promise<never> {
  return (path) => {
    const error = new Error(`EROFS: exptrack capture never writes (${name} ${String(path)})`) as NodeJS.ErrnoException;
    error.code = 'EROFS';
    return Promise.reject(error);
  };
}

/**
 * Makes a read-only file system for isomorphic-git. Reads of one path with the same options are
 * memoised for the life of the object (one capture), so `.gitignore` files and pack files are read
 * once; write methods reject with `EROFS`.
 *
 * @returns The file system, as isomorphic-git's `fs` option.
 *
 * @example
 * ```ts
 * const fs = readOnlyFs();
 * await isomorphicGit.resolveRef({ fs, gitdir, ref: 'HEAD' });
 * ```
 */
export function readOnlyFs(): ReadOnlyFs {
  const memo = new Map<string, Promise<unknown>>();
  function memoised<A extends unknown[]>(name: string, fn: (path: string, ...rest: A) => Promise<unknown>) {
    return (path: string, ...rest: A): Promise<unknown> => {
      const key = `${name}\0${path}\0${JSON.stringify(rest)}`;
      let result = memo.get(key);
      if (result === undefined) {
        result = fn(path, ...rest);
        memo.set(key, result);
      }
      return result;
    };
  }
  const promises = {
    readFile: memoised('readFile', (path: string, options?: unknown) => fsp.readFile(path, options as BufferEncoding | undefined)),
    stat: memoised('stat', (path: string) => fsp.stat(path)),
    lstat: memoised('lstat', (path: string) => fsp.lstat(path)),
    readdir: memoised('readdir', (path: string) => fsp.readdir(path)),
    readlink: memoised('readlink', (path: string) => fsp.readlink(path)),
    writeFile: refuse('writeFile'),
    mkdir: refuse('mkdir'),
    rmdir: refuse('rmdir'),
    unlink: refuse('unlink'),
    symlink: refuse('symlink'),
  };
  return { promises } as unknown as ReadOnlyFs;
}
