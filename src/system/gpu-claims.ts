/**
 * Which process of a host samples which GPU of a run. Every process of a multi-process run sees
 * the host's GPUs; the first to create `<tmpdir>/exptrack-gpus/<experiment>/<uuid>` (exclusive
 * create, holding its pid) owns that GPU's series, so each GPU of a host is counted once whatever
 * the number of ranks. A claim whose pid is no longer alive is taken over. The directory's
 * entries are the host's GPUs of the run. `node:fs`, `node:os` and `node:path` load on first use.
 */
import { importAtRunTime } from '../tracker/runtime.js';

export class GpuClaims {
  private readonly mine = new Set<string>();
  private place: Promise<{ fs: typeof import('node:fs/promises'); path: typeof import('node:path'); dir: string }> | undefined;

  /**
   * @param experimentId - the run; claims of different runs never meet
   * @param root - where claim directories live @defaultValue `<os.tmpdir()>/exptrack-gpus`
   */
  constructor(
    private readonly experimentId: string,
    private readonly root?: string,
  ) {}

  /**
   * Claims each GPU not yet claimed by a live process of this host.
   *
   * @param uuids - the GPUs this process sees
   * @returns the UUIDs this process owns (claimed now or before)
   */
  async claim(uuids: readonly string[]): Promise<Set<string>> {
    if (uuids.every((uuid) => this.mine.has(uuid))) return new Set(this.mine); // the usual case: no file is touched
    const { fs, path, dir } = await this.location();
    for (const uuid of uuids) {
      if (this.mine.has(uuid)) continue;
      const file = path.join(dir, safeName(uuid));
      if (await tryCreate(fs, file)) this.mine.add(uuid);
      // An empty file is a claim being written; an unreadable one was just released.
      const owner = await fs.readFile(file, 'utf8').catch(() => undefined);
      if (owner === undefined || (owner !== '' && !isAlive(Number(owner)))) {
        await fs.rm(file, { force: true });
        if (await tryCreate(fs, file)) this.mine.add(uuid);
      }
    }
    return new Set(this.mine);
  }

  /** How many GPUs the processes of this host have claimed for the run. */
  async hostCount(): Promise<number> {
    const { fs, dir } = await this.location();
    return (await fs.readdir(dir).catch(() => [])).length;
  }

  /** Deletes the run's claims on this host (the run's owner does this when it finishes). */
  async clear(): Promise<void> {
    const { fs, dir } = await this.location();
    await fs.rm(dir, { recursive: true, force: true });
    this.mine.clear();
    this.place = undefined;
  }

  /** The claims directory, created once (again after `clear`). */
  private location() {
    this.place ??= (async () => {
      const [fs, path, os] = await Promise.all([
        importAtRunTime<typeof import('node:fs/promises')>('node:fs/promises'),
        importAtRunTime<typeof import('node:path')>('node:path'),
        importAtRunTime<typeof import('node:os')>('node:os'),
      ]);
      const dir = path.join(this.root ?? path.join(os.tmpdir(), 'exptrack-gpus'), safeName(this.experimentId));
      await fs.mkdir(dir, { recursive: true });
      return { fs, path, dir };
    })();
    this.place.catch(() => (this.place = undefined));
    return this.place;
  }
}

async function tryCreate(fs: typeof import('node:fs/promises'), file: string): Promise<boolean> {
  try {
    await fs.writeFile(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A UUID or id as one file name: anything but letters, digits, `-` and `_` becomes `_`. */
function safeName(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200);
}
