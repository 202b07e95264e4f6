/**
 * MLflow's artifact proxy (`/api/2.0/mlflow-artifacts/artifacts`): upload (PUT), download (GET) and
 * list (GET with `?path=`), kept in the store's content-addressed artifact store. Each uploaded file
 * is an exptrack artifact named by its path inside the run's artifacts; uploading a path again makes
 * a new version (the same bytes again make none). A table at `exptrack-evaluations/<benchmark>.json`
 * is also recorded as an evaluation (see `evaluation-table.ts`).
 * @module
 */
import { createHash } from 'node:crypto';
import { hasArtifacts, type ArtifactReader, type ArtifactRecord } from 'exptrack';
import { HttpError } from '../http.js';
import type { Route, RouteContext } from '../router.js';
import { artifactFiles, listDirectory, runArtifactPath } from './artifact-paths.js';
import { evaluationFromTable } from './evaluation-table.js';
import { doesNotExist, invalidValue, mlflowErrorAnswer } from './mlflow-error.js';
import type { MlflowStore } from './experiment-catalog.js';
import type { RunAccess } from './run-access.js';
import { mlflowRoute } from './mlflow-route.js';

/**
 * The tracking service's `artifacts/list` (`?run_id=&path=`): a run's files and directories under a
 * path, with paths relative to the run's artifact root.
 *
 * @param runs - run reads
 * @param experimentIdOf - the experiment id of a run's group
 * @returns the route, to mount under `/api/2.0/mlflow`
 */
export function listArtifactsRoute(runs: RunAccess, experimentIdOf: (group: string | null) => Promise<string>): Route {
  return mlflowRoute('GET', '/artifacts/list', 'read', async (args) => {
    const run = await runs.get(args.runId());
    const path = (args.optionalString('path') ?? '').replace(/^\/+|\/+$/g, '');
    if (path.split('/').some((p) => p === '..' || p === '.')) throw invalidValue(`Invalid path '${path.slice(0, 300)}'`);
    const files = hasArtifacts(runs.store) ? artifactFiles(await (runs.store as MlflowStore & ArtifactReader).getArtifacts(run.id)) : new Map();
    const entries = listDirectory(files.keys(), (p) => files.get(p)!.size, path).map((e) => ({ ...e, path: path === '' ? e.path : `${path}/${e.path}` }));
    return { root_uri: `mlflow-artifacts:/${await experimentIdOf(run.group)}/${run.id}/artifacts`, files: entries };
  });
}

/**
 * The artifact proxy's routes.
 *
 * @param runs - run reads and writes
 * @param maxUploadBytes - the largest file accepted in one upload
 * @returns the routes, to mount under `/api/2.0/mlflow-artifacts`
 */
export function artifactRoutes(runs: RunAccess, maxUploadBytes: number): Route[] {
  const reader = (): MlflowStore & ArtifactReader => {
    if (!hasArtifacts(runs.store)) throw invalidValue(`the ${runs.store.name} store keeps no artifacts`);
    return runs.store as MlflowStore & ArtifactReader;
  };
  const guarded = (handle: (ctx: RouteContext) => Promise<{ status: number; body: string | Uint8Array; contentType?: string }>) => async (ctx: RouteContext) => {
    try {
      return await handle(ctx);
    } catch (error) {
      return mlflowErrorAnswer(error);
    }
  };
  return [
    {
      method: 'GET',
      path: '/artifacts',
      access: 'read',
      handle: guarded(async (ctx) => {
        const wanted = ctx.url.searchParams.get('path') ?? '';
        if (wanted === '') return json({ files: [] });
        const { runId, path } = runArtifactPath(wanted);
        const run = await runs.get(runId);
        const files = artifactFiles(await reader().getArtifacts(run.id));
        return json({ files: listDirectory(files.keys(), (p) => files.get(p)!.size, path) });
      }),
    },
    {
      method: 'GET',
      path: '/artifacts/*path',
      access: 'read',
      handle: guarded(async (ctx) => {
        const { runId, path } = runArtifactPath(ctx.params.path!);
        const run = await runs.get(runId);
        const found = artifactFiles(await reader().getArtifacts(run.id)).get(path);
        if (found === undefined) throw doesNotExist(`The artifact ${path.slice(0, 300)} of run ${run.id} does not exist`);
        const bytes = await reader().readArtifact(run.id, found.record.name, { version: found.record.version, ...(found.record.kind === 'directory' ? { file: found.file } : {}) });
        return { status: 200, body: bytes, contentType: 'application/octet-stream' };
      }),
    },
    {
      method: 'PUT',
      path: '/artifacts/*path',
      access: 'write',
      handle: guarded(async (ctx) => {
        const { runId, path } = runArtifactPath(ctx.params.path!);
        if (path === '') throw invalidValue('an upload needs a file path after artifacts/');
        const run = await runs.active(runId);
        const bytes = await readBytes(ctx, maxUploadBytes);
        const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
        const versions = (await reader().getArtifacts(run.id)).filter((a) => a.name === path);
        const latest = versions.reduce<ArtifactRecord | undefined>((a, b) => (a === undefined || b.version > a.version ? b : a), undefined);
        if (latest?.digest !== digest) {
          const artifact: ArtifactRecord = {
            experimentId: run.id,
            name: path,
            version: (latest?.version ?? 0) + 1,
            kind: 'file',
            type: null,
            digest,
            size: bytes.length,
            files: [{ path: path.split('/').at(-1)!, digest, size: bytes.length }],
            metadata: { source: 'mlflow' },
            step: null,
            createdAt: Date.now(),
          };
          const evaluation = evaluationFromTable(run.id, path, bytes, artifact.createdAt);
          await runs.write([{ type: 'artifact', experimentId: run.id, artifact, sources: [{ digest, size: bytes.length, bytes }] }, ...(evaluation ? [evaluation] : [])]);
        }
        return json({});
      }),
    },
  ];
}

function json(value: unknown) {
  return { status: 200, body: JSON.stringify(value), contentType: 'application/json; charset=utf-8' };
}

async function readBytes(ctx: RouteContext, limit: number): Promise<Uint8Array> {
  const declared = Number(ctx.req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `the file is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `the file is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
