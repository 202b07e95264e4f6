/**
 * `exptrack artifacts`: lists a run's artifacts; `exptrack artifacts get` writes one's bytes to a file.
 * @module
 */
import { rename, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { ArtifactReader } from 'exptrack';
import { integerOption, type Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { formatBytes, formatDate } from '../format.js';
import type { CliStore } from '../open-store.js';
import { resolveExperiment } from '../resolve-id.js';

/**
 * Adds `exptrack artifacts` and `exptrack artifacts get`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerArtifacts(program, wrap);
 * ```
 */
export function registerArtifacts(program: Command, wrap: Wrap): void {
  const command = program
    .command('artifacts')
    .description("list a run's artifacts: name, version, type, size, digest (`artifacts get` writes one to a file)")
    .argument('<id>', 'an experiment id or unique prefix')
    .action(wrap(list));
  command
    .command('get')
    .description("write an artifact's bytes to a file")
    .argument('<id>', 'an experiment id or unique prefix')
    .argument('<name>', 'the artifact name')
    .option('--version <n>', 'the version (default: the latest)', integerOption(1))
    .option('--file <path>', 'the file of a directory artifact')
    .requiredOption('--output <path>', 'where to write the bytes')
    .action(wrap(get));
}

/** The store as an artifact reader, or a message saying it keeps no artifacts. */
export function artifactStore(store: CliStore): CliStore & ArtifactReader {
  if (store.capabilities.artifacts !== true) throw new CliError(`the ${store.name} store keeps no artifacts`);
  return store as CliStore & ArtifactReader;
}

/** Control characters of a name read from a store, shown as `?` so they cannot drive the terminal. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

async function list(ctx: CommandContext, id: string): Promise<void> {
  const store = artifactStore(await ctx.store('read'));
  const experiment = await resolveExperiment(store, id);
  const artifacts = await store.getArtifacts(experiment.id);
  if (ctx.json) {
    ctx.printJson({ experimentId: experiment.id, artifacts, lineage: await store.getArtifactLineage(experiment.id) });
    return;
  }
  if (artifacts.length === 0) {
    ctx.print(`${experiment.id} has no artifacts`);
    return;
  }
  const rows = artifacts.map((a) => [printable(a.name), String(a.version), printable(a.type ?? ''), a.kind === 'directory' ? `${a.files.length} files` : 'file', formatBytes(a.size), a.digest.slice(0, 19), formatDate(a.createdAt)]);
  ctx.print(await ctx.table(['NAME', 'VERSION', 'TYPE', 'KIND', 'SIZE', 'DIGEST', 'LOGGED'], rows, ['left', 'right', 'left', 'left', 'right']));
}

async function get(ctx: CommandContext, id: string, name: string, options: { version?: number; file?: string; output?: string }): Promise<void> {
  if (!options.output) throw usageError('give --output PATH: where to write the bytes');
  const store = artifactStore(await ctx.store('read'));
  const experiment = await resolveExperiment(store, id);
  const chunks = await store.readArtifactStream(experiment.id, name, { version: options.version, file: options.file });
  // Written beside the target and renamed, so a failed read never leaves half a file under its name.
  const temp = `${options.output}.${process.pid}.part`;
  try {
    await pipeline(Readable.from(chunks), createWriteStream(temp, { flags: 'wx' }));
    await rename(temp, options.output);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const record = (await store.getArtifacts(experiment.id)).filter((a) => a.name === name && (options.version === undefined || a.version === options.version)).at(-1);
  if (ctx.json) ctx.printJson({ experimentId: experiment.id, name, version: record?.version ?? null, file: options.file ?? null, output: options.output });
  else ctx.print(`wrote ${printable(name)} v${record?.version ?? '?'}${options.file ? ` (${printable(options.file)})` : ''} to ${options.output}`);
}
