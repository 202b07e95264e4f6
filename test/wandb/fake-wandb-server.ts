/**
 * A small W&B-protocol server for tests: GraphQL `Viewer`, `UpsertBucket` and `RunResumeStatus` on
 * `/graphql`, and `/files/<entity>/<project>/<run>/file_stream`. It listens on 127.0.0.1 (a random
 * port), checks the API key, and records every request. File-stream lines are stored by offset: a
 * line sent at offset n replaces line n, as W&B's own mock server does (wandb/wandb#3933).
 * A test drives the real `@wandb/sdk` against it, so what it accepts is W&B's protocol.
 *
 * Artifacts follow the wandb Python SDK's protocol (`CreateArtifact`, `CreateArtifactManifest`,
 * `CreateArtifactFiles`, PUTs to signed URLs that check `Content-MD5`, `CommitArtifact`,
 * `UseArtifact`) and W&B's rules: a digest W&B has in the collection answers with that version,
 * bytes are stored once per md5 (a known md5 gets no upload URL), and a commit is refused unless
 * the manifest and every file it names were uploaded and the manifest's digest is the artifact's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One run (a W&B "bucket") as the server holds it. */
export interface FakeRun {
  entity: string;
  project: string;
  name: string;
  displayName: string | null;
  notes: string | null;
  group: string | null;
  jobType: string | null;
  tags: string[];
  /** The last config JSONString received, parsed. */
  config: Record<string, unknown> | null;
  commit: string | null;
  host: string | null;
  upserts: Array<Record<string, unknown>>;
  /** wandb-history.jsonl, one raw JSON line per offset (holes stay undefined). */
  history: Array<string | undefined>;
  /** wandb-summary.json, the last content received. */
  summary: string | null;
  complete: boolean;
  exitCode: number | null;
  fileStreamPosts: number;
  /** Run files PUT to the upload URLs `CreateRunFiles` gave, by name. */
  files: Map<string, Buffer>;
  /** Names announced by file_stream posts' `uploaded`. */
  uploaded: string[];
}

/** One W&B artifact version as the server holds it. */
export interface FakeArtifact {
  id: string;
  entity: string;
  project: string;
  type: string;
  collection: string;
  digest: string;
  state: 'PENDING' | 'COMMITTED';
  /** Assigned at commit: v0, v1, … in the collection. */
  versionIndex: number | null;
  aliases: string[];
  metadata: Record<string, unknown> | null;
  /** The run (`entity/project/name`) that logged it. */
  outputRun: string;
  manifestId: string | null;
  /** The uploaded `wandb_manifest.json`, parsed. */
  manifest: { version: number; storagePolicy: string; storagePolicyConfig: unknown; contents: Record<string, { digest: string; size: number; birthArtifactID?: string }> } | null;
  /** Files asked for with CreateArtifactFiles: path → md5. */
  files: Map<string, string>;
  /** Runs (`entity/project/name`) that used it. */
  usedBy: string[];
}

/** Everything the server received, kept apart from the listener so a restarted server can reuse it. */
export interface FakeWandbState {
  apiKey: string;
  defaultEntity: string;
  runs: Map<string, FakeRun>;
  requests: Array<{ path: string; operation: string | null; status: number }>;
  /** Artifact versions by id. */
  artifacts: Map<string, FakeArtifact>;
  /** Artifact file bytes, stored once per base64 md5 (W&B's storage layout V2). */
  storage: Map<string, Buffer>;
  /** Signed artifact upload URLs still open, by token. */
  uploadTargets: Map<string, { artifactId: string; md5: string; kind: 'file' | 'manifest' }>;
}

/** Makes an empty state. */
export function newFakeWandbState(apiKey = 'k'.repeat(40), defaultEntity = 'fake-entity'): FakeWandbState {
  return { apiKey, defaultEntity, runs: new Map(), requests: [], artifacts: new Map(), storage: new Map(), uploadTargets: new Map() };
}

/** A running fake server. */
export interface FakeWandbServer {
  readonly url: string;
  readonly state: FakeWandbState;
  /** Answers every following request with this status (e.g. 503) until `fail(null)`. */
  fail(status: number | null): void;
  /** Answers the next `count` requests with `status`, then serves normally again. */
  failNext(count: number, status: number): void;
  /** Holds every following request open without an answer (until `hang(false)` or `close()`). */
  hang(on: boolean): void;
  /** Looks a run up. */
  run(entity: string, project: string, name: string): FakeRun | undefined;
  /** The versions of an artifact collection, committed or not, in creation order. */
  artifactVersions(entity: string, project: string, collection: string): FakeArtifact[];
  /** Stops listening and drops open connections (clients then see connection errors). */
  close(): Promise<void>;
}

/** The input fields of W&B's `upsertBucket` mutation as the @wandb/sdk sends them. */
const UPSERT_INPUT_FIELDS = new Set(['id', 'name', 'groupName', 'modelName', 'entityName', 'description', 'displayName', 'notes', 'config', 'commit', 'host', 'debug', 'jobProgram', 'jobRepo', 'jobType', 'state', 'sweep', 'tags', 'summaryMetrics']);

/** The field names inside `upsertBucket(input: { ... })` of a query. */
function upsertInputFields(query: string): string[] {
  const block = /upsertBucket\s*\(\s*input\s*:\s*\{([^}]*)\}/.exec(query)?.[1] ?? '';
  return [...block.matchAll(/(\w+)\s*:/g)].map((m) => m[1]!);
}

/** The artifact mutations and their required (`!`) variables, as W&B's schema declares them. */
const ARTIFACT_OPERATIONS: Record<string, string[]> = {
  CreateArtifact: ['entityName', 'projectName', 'artifactTypeName', 'artifactCollectionName', 'digest', 'clientID', 'sequenceClientID'],
  CreateArtifactManifest: ['artifactID', 'name', 'entityName', 'projectName', 'runName', 'includeUpload'],
  CommitArtifact: ['artifactID'],
  UseArtifact: ['entityName', 'projectName', 'runName', 'artifactID'],
};

const SENTINEL = '@@exptrack-fake-wandb-nonfinite@@';

/** Parses JSON that may hold the bare tokens NaN, Infinity and -Infinity, as W&B's parser does. */
export function parseWandbJson(text: string): unknown {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    const rest = text.slice(i, i + 9);
    if (rest.startsWith('NaN')) {
      out += `"${SENTINEL}NaN"`;
      i += 2;
    } else if (rest.startsWith('-Infinity')) {
      out += `"${SENTINEL}-Infinity"`;
      i += 8;
    } else if (rest.startsWith('Infinity')) {
      out += `"${SENTINEL}Infinity"`;
      i += 7;
    } else out += c;
  }
  return JSON.parse(out, (_key, value: unknown) => (typeof value === 'string' && value.startsWith(SENTINEL) ? Number(value.slice(SENTINEL.length)) : value));
}

/** The history rows of a run, parsed, in offset order. */
export function historyRows(run: FakeRun): Array<Record<string, unknown>> {
  return run.history.map((line) => (line === undefined ? { hole: true } : (parseWandbJson(line) as Record<string, unknown>)));
}

/** Starts the server on 127.0.0.1 and a random port (or `port`). */
export async function startFakeWandbServer(options: { state?: FakeWandbState; port?: number } = {}): Promise<FakeWandbServer> {
  const state = options.state ?? newFakeWandbState();
  let failAll: number | null = null;
  let failCount = 0;
  let failStatus = 503;
  let hanging = false;
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  function key(entity: string, project: string, name: string): string {
    return `${entity}/${project}/${name}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const path = (req.url ?? '/').split('?')[0]!;
    // Uploaded files may exceed the longest string V8 makes: only other bodies are read as text.
    const text = path.startsWith('/artifact-upload/') && !path.includes('manifest') && raw.length > 1 << 24 ? '' : raw.toString('utf8');
    const record = { path, operation: null as string | null, status: 200 };
    state.requests.push(record);
    const reply = (status: number, body: unknown): void => {
      record.status = status;
      send(res, status, body);
    };
    if (hanging) {
      record.status = 0;
      return;
    }
    if (failAll !== null) return reply(failAll, { error: 'injected failure' });
    if (failCount > 0) {
      failCount--;
      return reply(failStatus, { error: 'injected failure' });
    }
    const upload = /^\/upload\/([^/]+)\/([^/]+)\/([^/]+)\/(.+)$/.exec(path);
    if (upload && req.method === 'PUT') {
      // A signed URL: no API key, but the headers CreateRunFiles named.
      record.operation = 'upload';
      if (req.headers['x-fake-upload-token'] !== 'signed') return reply(403, { error: 'missing upload header' });
      const [entity, project, name, file] = upload.slice(1).map(decodeURIComponent) as [string, string, string, string];
      const run = state.runs.get(key(entity, project, name));
      if (!run) return reply(404, { error: 'no such run' });
      run.files.set(file, raw);
      return reply(200, {});
    }
    const artifactUpload = /^\/artifact-upload\/([\w-]+)$/.exec(path);
    if (artifactUpload && req.method === 'PUT') {
      record.operation = 'artifact-upload';
      if (req.headers['x-fake-upload-token'] !== 'signed') return reply(403, { error: 'missing upload header' });
      // Like a V2-signed storage URL: the content type is part of the signature, which W&B made without one.
      if (req.headers['content-type'] !== undefined) return reply(403, { error: `SignatureDoesNotMatch: unexpected Content-Type ${req.headers['content-type']}` });
      const target = state.uploadTargets.get(artifactUpload[1]!);
      if (!target) return reply(404, { error: 'no such upload URL' });
      const md5 = createHash('md5').update(raw).digest('base64');
      // The storage checks the Content-MD5 header W&B put in uploadHeaders against the body.
      if (req.headers['content-md5'] !== target.md5 || md5 !== target.md5) return reply(400, { error: `Content-MD5 mismatch: header ${String(req.headers['content-md5'])}, body ${md5}, expected ${target.md5}` });
      const artifact = state.artifacts.get(target.artifactId)!;
      if (target.kind === 'file') state.storage.set(md5, raw);
      else {
        try {
          artifact.manifest = JSON.parse(text) as NonNullable<FakeArtifact['manifest']>;
        } catch {
          return reply(400, { error: 'the manifest is not JSON' });
        }
      }
      state.uploadTargets.delete(artifactUpload[1]!);
      return reply(200, {});
    }
    const expected = `Basic ${Buffer.from(`api:${state.apiKey}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return reply(401, { errors: [{ message: 'user is not logged in' }] });
    if (req.method !== 'POST') return reply(405, { error: 'method not allowed' });

    if (path === '/graphql') {
      const body = JSON.parse(text) as { query?: string; variables?: Record<string, unknown>; operationName?: string };
      const query = body.query ?? '';
      const operation = body.operationName ?? /(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? null;
      record.operation = operation;
      const vars = body.variables ?? {};
      if (operation === 'Viewer') {
        return reply(200, { data: { viewer: { id: 'VXNlcjox', entity: state.defaultEntity, flags: '{}', teams: { edges: [] } } } });
      }
      if (operation === 'UpsertBucket') {
        const unknown = upsertInputFields(query).filter((f) => !UPSERT_INPUT_FIELDS.has(f));
        if (unknown.length > 0) return reply(200, { errors: [{ message: `Unknown field(s) ${unknown.join(', ')} on UpsertBucketInput` }] });
        return reply(200, upsertBucket(vars));
      }
      if (operation === 'CreateArtifactFiles') {
        if (!Array.isArray(vars.artifactFiles)) return reply(200, { errors: [{ message: 'CreateArtifactFiles: $artifactFiles must be a list' }] });
        return reply(200, createArtifactFiles(vars));
      }
      if (operation === 'CreateRunFiles') {
        const entity = String(vars.entity);
        const project = String(vars.project);
        const run = state.runs.get(key(entity, project, String(vars.run)));
        if (!run) return reply(200, { data: { createRunFiles: { runID: null, uploadHeaders: [], files: [] } } });
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload/${[entity, project, run.name].map(encodeURIComponent).join('/')}`;
        const files = (vars.files as string[]).map((name) => ({ name, uploadUrl: `${base}/${encodeURIComponent(name)}?signature=fake` }));
        return reply(200, { data: { createRunFiles: { runID: `run-${run.name}`, uploadHeaders: ['X-Fake-Upload-Token:signed'], files } } });
      }
      if (operation !== null && operation in ARTIFACT_OPERATIONS) {
        const required = ARTIFACT_OPERATIONS[operation]!;
        const missing = required.filter((name) => vars[name] === undefined || vars[name] === null || vars[name] === '');
        if (missing.length > 0) return reply(200, { errors: [{ message: `${operation}: variable(s) ${missing.map((m) => `$${m}`).join(', ')} of required type were not provided` }] });
        return reply(200, artifactOperation(operation, vars, query));
      }
      if (operation === 'RunResumeStatus') {
        const entity = (vars.entity as string | undefined) || state.defaultEntity;
        const project = (vars.project as string | undefined) || 'uncategorized';
        const run = state.runs.get(key(entity, project, String(vars.name)));
        return reply(200, {
          data: {
            model: {
              id: 'UHJvamVjdDox',
              name: project,
              entity: { id: 'RW50aXR5OjE=', name: entity },
              bucket: run
                ? {
                    id: `run-${run.name}`,
                    name: run.name,
                    displayName: run.displayName,
                    summaryMetrics: run.summary ?? '{}',
                    logLineCount: 0,
                    historyLineCount: run.history.length,
                    eventsLineCount: 0,
                    historyTail: JSON.stringify(run.history.slice(-10)),
                    eventsTail: '[]',
                    config: JSON.stringify(run.config ?? {}),
                    tags: run.tags,
                    notes: run.notes,
                    wandbConfig: '{}',
                  }
                : null,
            },
          },
        });
      }
      return reply(200, { errors: [{ message: `fake W&B server: unsupported operation ${operation ?? '(none)'}` }] });
    }

    const match = /^\/files\/([^/]+)\/([^/]+)\/([^/]+)\/file_stream$/.exec(path);
    if (match) {
      record.operation = 'file_stream';
      const [entity, project, name] = [match[1]!, match[2]!, match[3]!].map(decodeURIComponent) as [string, string, string];
      const run = state.runs.get(key(entity, project, name));
      if (!run) return reply(404, { error: `run ${entity}/${project}/${name} not found` });
      let body: { files?: Record<string, { offset: number; content: string[] }>; complete?: boolean; exitcode?: number; uploaded?: string[] };
      try {
        body = parseWandbJson(text) as typeof body;
      } catch (error) {
        return reply(400, { error: `invalid JSON: ${String(error)}` });
      }
      run.fileStreamPosts++;
      for (const [file, chunk] of Object.entries(body.files ?? {})) {
        if (typeof chunk.offset !== 'number' || !Array.isArray(chunk.content)) return reply(400, { error: `bad chunk for ${file}` });
        for (const line of chunk.content) parseWandbJson(line); // every line must be JSON (NaN/Infinity allowed)
        if (file === 'wandb-history.jsonl') {
          chunk.content.forEach((line, i) => {
            run.history[chunk.offset + i] = line;
          });
        } else if (file === 'wandb-summary.json') {
          const last = chunk.content[chunk.content.length - 1];
          if (last !== undefined) run.summary = last;
        }
      }
      for (const name of body.uploaded ?? []) {
        if (!run.files.has(name)) return reply(400, { error: `uploaded names ${name}, which was never PUT` });
        run.uploaded.push(name);
      }
      if (body.complete === true) {
        run.complete = true;
        run.exitCode = typeof body.exitcode === 'number' ? body.exitcode : null;
      }
      return reply(200, { exitcode: null, limits: {} });
    }
    return reply(404, { error: `no route ${path}` });
  }

  function uploadUrl(artifactId: string, md5: string, kind: 'file' | 'manifest'): { uploadUrl: string; uploadHeaders: string[] } {
    const token = randomBytes(12).toString('hex');
    state.uploadTargets.set(token, { artifactId, md5, kind });
    return { uploadUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/artifact-upload/${token}`, uploadHeaders: [`Content-MD5:${md5}`, 'X-Fake-Upload-Token:signed'] };
  }

  function committedIn(entity: string, project: string, collection: string): FakeArtifact[] {
    return [...state.artifacts.values()].filter((a) => a.entity === entity && a.project === project && a.collection === collection && a.state === 'COMMITTED');
  }

  function artifactOperation(operation: string, vars: Record<string, unknown>, query: string): unknown {
    const error = (message: string): unknown => ({ errors: [{ message }] });
    const str = (name: string): string => String(vars[name]);
    if (operation === 'CreateArtifact') {
      if (!/digestAlgorithm\s*:\s*MANIFEST_MD5/.test(query)) return error('CreateArtifact: digestAlgorithm must be MANIFEST_MD5');
      if (!/^[0-9a-f]{32}$/.test(str('digest'))) return error(`CreateArtifact: digest ${str('digest')} is not a manifest md5`);
      if (!/^[\w.-]+$/.test(str('artifactCollectionName'))) return error(`CreateArtifact: invalid artifact name ${str('artifactCollectionName')}`);
      const entity = str('entityName');
      const project = str('projectName');
      const runKey = key(entity, project, str('runName'));
      if (!state.runs.has(runKey)) return error(`CreateArtifact: run ${runKey} not found`);
      const collection = str('artifactCollectionName');
      const same = [...state.artifacts.values()].filter((a) => a.entity === entity && a.project === project && a.collection === collection);
      if (same.some((a) => a.type !== str('artifactTypeName'))) return error(`CreateArtifact: artifact collection ${collection} has another type`);
      const latest = committedIn(entity, project, collection).at(-1) ?? null;
      let artifact = same.find((a) => a.digest === str('digest'));
      if (!artifact) {
        artifact = {
          id: `QXJ0aWZhY3Q6${state.artifacts.size + 1}`,
          entity,
          project,
          type: str('artifactTypeName'),
          collection,
          digest: str('digest'),
          state: 'PENDING',
          versionIndex: null,
          aliases: ((vars.aliases as Array<{ artifactCollectionName: string; alias: string }> | undefined) ?? []).map((a) => a.alias),
          metadata: typeof vars.metadata === 'string' ? (JSON.parse(vars.metadata) as Record<string, unknown>) : null,
          outputRun: runKey,
          manifestId: null,
          manifest: null,
          files: new Map(),
          usedBy: [],
        };
        state.artifacts.set(artifact.id, artifact);
      }
      return {
        data: {
          createArtifact: {
            artifact: {
              id: artifact.id,
              state: artifact.state,
              versionIndex: artifact.versionIndex,
              digest: artifact.digest,
              aliases: artifact.state === 'COMMITTED' ? artifact.aliases.map((alias) => ({ artifactCollectionName: collection, alias })) : [],
              artifactSequence: { id: `seq-${collection}`, latestArtifact: latest && { id: latest.id, versionIndex: latest.versionIndex } },
            },
          },
        },
      };
    }
    const artifact = state.artifacts.get(str('artifactID'));
    if (!artifact) return error(`${operation}: no artifact ${str('artifactID')}`);
    if (operation === 'CreateArtifactManifest') {
      if (artifact.state !== 'PENDING') return error('CreateArtifactManifest: the artifact is committed');
      if (typeof vars.includeUpload !== 'boolean') return error('CreateArtifactManifest: $includeUpload must be a Boolean');
      if (typeof vars.digest !== 'string') return error('CreateArtifactManifest: $digest of required type String! was not provided');
      artifact.manifestId ??= `QXJ0aWZhY3RNYW5pZmVzdDo${artifact.id}`;
      const digest = typeof vars.digest === 'string' ? vars.digest : '';
      const upload = vars.includeUpload && digest !== '' ? uploadUrl(artifact.id, digest, 'manifest') : null;
      return { data: { createArtifactManifest: { artifactManifest: { id: artifact.manifestId, file: { id: `file-${artifact.id}`, name: str('name'), ...(upload ?? {}) } } } } };
    }
    if (operation === 'UseArtifact') {
      const runKey = key(str('entityName'), str('projectName'), str('runName'));
      if (!state.runs.has(runKey)) return error(`UseArtifact: run ${runKey} not found`);
      if (artifact.state !== 'COMMITTED') return error('UseArtifact: the artifact is not committed');
      if (!artifact.usedBy.includes(runKey)) artifact.usedBy.push(runKey);
      return { data: { useArtifact: { artifact: { id: artifact.id, digest: artifact.digest } } } };
    }
    // CommitArtifact
    if (artifact.state !== 'PENDING') return error('CommitArtifact: the artifact is already committed');
    const manifest = artifact.manifest;
    if (!manifest) return error('CommitArtifact: the manifest was not uploaded');
    if (manifest.version !== 1 || manifest.storagePolicy !== 'wandb-storage-policy-v1') return error(`CommitArtifact: unsupported manifest ${manifest.version} ${manifest.storagePolicy}`);
    const paths = Object.keys(manifest.contents).sort();
    const digest = createHash('md5').update('wandb-artifact-manifest-v1\n');
    for (const path of paths) {
      const entry = manifest.contents[path]!;
      if (typeof entry.digest !== 'string' || typeof entry.size !== 'number') return error(`CommitArtifact: manifest entry ${path} needs digest and size`);
      const stored = state.storage.get(entry.digest);
      if (!stored) return error(`CommitArtifact: ${path} (${entry.digest}) was never uploaded`);
      if (stored.length !== entry.size) return error(`CommitArtifact: ${path} is ${stored.length} bytes, the manifest says ${entry.size}`);
      digest.update(`${path}:${entry.digest}\n`);
    }
    if (digest.digest('hex') !== artifact.digest) return error('CommitArtifact: the manifest does not match the artifact digest');
    const committed = committedIn(artifact.entity, artifact.project, artifact.collection);
    for (const other of committed) other.aliases = other.aliases.filter((a) => a !== 'latest');
    artifact.state = 'COMMITTED';
    artifact.versionIndex = committed.length;
    artifact.aliases = [...new Set([...artifact.aliases, 'latest', `v${artifact.versionIndex}`])];
    return { data: { commitArtifact: { artifact: { id: artifact.id, digest: artifact.digest } } } };
  }

  function createArtifactFiles(vars: Record<string, unknown>): unknown {
    const error = (message: string): unknown => ({ errors: [{ message }] });
    if (vars.storageLayout !== 'V1' && vars.storageLayout !== 'V2') return error(`CreateArtifactFiles: invalid storageLayout ${String(vars.storageLayout)}`);
    const edges = [];
    for (const spec of vars.artifactFiles as Array<Record<string, unknown>>) {
      const missing = ['artifactID', 'artifactManifestID', 'name', 'md5'].filter((f) => typeof spec[f] !== 'string' || spec[f] === '');
      if (missing.length > 0) return error(`CreateArtifactFiles: CreateArtifactFileSpecInput needs ${missing.join(', ')}`);
      const artifact = state.artifacts.get(String(spec.artifactID));
      if (!artifact || artifact.state !== 'PENDING') return error(`CreateArtifactFiles: no pending artifact ${String(spec.artifactID)}`);
      if (artifact.manifestId !== spec.artifactManifestID) return error('CreateArtifactFiles: artifactManifestID is not the artifact\'s manifest');
      const md5 = String(spec.md5);
      artifact.files.set(String(spec.name), md5);
      const birth = [...state.artifacts.values()].find((a) => a.state === 'COMMITTED' && [...a.files.values()].includes(md5)) ?? artifact;
      const upload = state.storage.has(md5) ? { uploadUrl: null, uploadHeaders: [] } : uploadUrl(artifact.id, md5, 'file');
      edges.push({ node: { id: `file-${md5}`, name: String(spec.name), displayName: String(spec.name), ...upload, artifact: { id: birth.id } } });
    }
    return { data: { createArtifactFiles: { files: { edges } } } };
  }

  function upsertBucket(vars: Record<string, unknown>): unknown {
    const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    const entity = str(vars.entity) || state.defaultEntity;
    const project = str(vars.project) || 'uncategorized';
    const name = str(vars.name);
    if (!name) return { errors: [{ message: 'name is required' }] };
    const k = key(entity, project, name);
    let run = state.runs.get(k);
    const inserted = run === undefined;
    if (!run) {
      run = { entity, project, name, displayName: null, notes: null, group: null, jobType: null, tags: [], config: null, commit: null, host: null, upserts: [], history: [], summary: null, complete: false, exitCode: null, fileStreamPosts: 0, files: new Map(), uploaded: [] };
      state.runs.set(k, run);
    }
    run.upserts.push(vars);
    // Like W&B, a field that is not sent leaves the stored value as it is.
    if (str(vars.displayName) !== null) run.displayName = str(vars.displayName);
    if (str(vars.notes) !== null) run.notes = str(vars.notes);
    if (str(vars.groupName) !== null) run.group = str(vars.groupName);
    if (str(vars.jobType) !== null) run.jobType = str(vars.jobType);
    if (str(vars.commit) !== null) run.commit = str(vars.commit);
    if (str(vars.host) !== null) run.host = str(vars.host);
    if (Array.isArray(vars.tags)) run.tags = vars.tags.map(String);
    if (str(vars.config) !== null) run.config = parseWandbJson(str(vars.config)!) as Record<string, unknown>;
    return {
      data: {
        upsertBucket: {
          bucket: {
            id: `run-${name}`,
            name,
            displayName: run.displayName ?? name,
            description: run.notes,
            config: JSON.stringify(run.config ?? {}),
            sweepName: null,
            historyLineCount: run.history.length,
            project: { id: 'UHJvamVjdDox', name: project, entity: { id: 'RW50aXR5OjE=', name: entity } },
          },
          inserted,
        },
      },
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    fail(status) {
      failAll = status;
    },
    failNext(count, status) {
      failCount = count;
      failStatus = status;
    },
    hang(on) {
      hanging = on;
    },
    run(entity, project, name) {
      return state.runs.get(key(entity, project, name));
    },
    artifactVersions(entity, project, collection) {
      return [...state.artifacts.values()].filter((a) => a.entity === entity && a.project === project && a.collection === collection);
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
    },
  };
}
