/**
 * Which process of a host samples which GPU of a run. Every process of a multi-process run sees
 * the host's GPUs; the first to create `<tmpdir>/exptrack-gpus/<experiment>/<uuid>` (exclusive
 * create, holding its pid) owns that GPU's series, so each GPU of a host is counted once whatever
 * the number of ranks. A claim whose pid is no longer alive is taken over. The directory's
 * entries are the host's GPUs of the run. Two more claims name the processes that report the
 * host's GPU-hours: `.owner`, the run's owner, and `.reporter`, one process of a host the owner is
 * not on (see docs/COST.md). `node:fs`, `node:os` and `node:path` load on first use.
 */
import { importAtRunTime } from '../tracker/runtime.js';

export class GpuClaims {
  private readonly mine = new Set<string>();
  private readonly roles = new Set<HostRole>();
  private place: Promise<{ fs: typeof import('node:fs/promises'); path: typeof import('node:path'); dir: string; host: string }> | undefined;

  /**
   * @param experimentId - the run; claims of different runs never meet
   * @param root - where claim directories live @defaultValue `<os.tmpdir()>/exptrack-gpus`
   * @param host - this host's name @defaultValue `os.hostname()`
   */
  constructor(
    private readonly experimentId: string,
    private readonly root?: string,
    private readonly host?: string,
  ) {}

  /**
   * Claims each GPU not yet claimed by a live process of this host.
   *
   * @param uuids - the GPUs this process sees
   * @returns the UUIDs this process owns (claimed now or before)
   */
  async claim(uuids: readonly string[]): Promise<Set<string>> {
    if (uuids.every((uuid) => this.mine.has(uuid))) return new Set(this.mine); // the usual case: no file is touched
    const { path, dir } = await this.location();
    for (const uuid of uuids) {
      if (this.mine.has(uuid)) continue;
      if (await this.take(path.join(dir, safeName(uuid)))) this.mine.add(uuid);
    }
    return new Set(this.mine);
  }

  /**
   * Claims a role on this host for the run, as a GPU is claimed: the first live process to ask
   * holds it.
   *
   * @param role - `owner` (the run's owner) or `reporter` (one process of a host without the owner)
   * @returns whether this process holds the role
   */
  async claimRole(role: HostRole): Promise<boolean> {
    if (this.roles.has(role)) return true;
    const { path, dir } = await this.location();
    if (await this.take(path.join(dir, `.${role}`))) this.roles.add(role);
    return this.roles.has(role);
  }

  /** Whether a live process of this host holds `role` for the run. */
  async roleTaken(role: HostRole): Promise<boolean> {
    if (this.roles.has(role)) return true;
    const { fs, path, dir } = await this.location();
    const holder = await fs.readFile(path.join(dir, `.${role}`), 'utf8').catch(() => undefined);
    return holder !== undefined && (holder === '' || isAlive(Number(holder)));
  }

  /** This host's name (what its GPU-hours are recorded under). */
  async hostName(): Promise<string> {
    return (await this.location()).host;
  }

  /** How many GPUs the processes of this host have claimed for the run. */
  async hostCount(): Promise<number> {
    const { fs, dir } = await this.location();
    return (await fs.readdir(dir).catch(() => [])).filter((name) => !name.startsWith('.')).length;
  }

  /** Creates the claim file, or takes it over from a process that is gone; true when this process holds it. */
  private async take(file: string): Promise<boolean> {
    const { fs } = await this.location();
    if (await tryCreate(fs, file)) return true;
    // An empty file is a claim being written; an unreadable one was just released.
    const holder = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (holder === undefined || (holder !== '' && !isAlive(Number(holder)))) {
      await fs.rm(file, { force: true });
      return tryCreate(fs, file);
    }
    return false;
  }

  /** Deletes the run's claims on this host (the run's owner does this when it finishes). */
  async clear(): Promise<void> {
    const { fs, dir } = await this.location();
    await fs.rm(dir, { recursive: true, force: true });
    this.mine.clear();
    this.roles.clear();
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
      return { fs, path, dir, host: this.host ?? os.hostname() };
    })();
    this.place.catch(() => (this.place = undefined));
    return this.place;
  }
}

/** A process's part in reporting a host's GPU-hours. */
export type HostRole = 'owner' | 'reporter';

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
