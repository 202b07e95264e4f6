/**
 * The W&B calls exptrack needs, over the built-in fetch: GraphQL (`Viewer`, `UpsertBucket`,
 * `RunResumeStatus`, `CreateRunFiles`, and the artifact mutations `CreateArtifact`,
 * `CreateArtifactManifest`, `CreateArtifactFiles`, `CommitArtifact`, `UseArtifact`), the run's
 * `file_stream` endpoint, and PUTs of files to the signed URLs those mutations return.
 */
import { stat } from 'node:fs/promises';
import { ExptrackError } from '../../core/errors.js';
import type { ArtifactFileSource } from './artifact-manifest.js';
import { authorizationHeader } from './credentials.js';
import { putFile, type PutAnswer } from '../../artifacts/put-file.js';
import { withRetry, type RetryPolicy } from './retry.js';

const VIEWER = `query Viewer {
  viewer { id entity }
}`;

const UPSERT_BUCKET = `mutation UpsertBucket(
  $name: String, $project: String, $entity: String, $groupName: String, $displayName: String,
  $notes: String, $commit: String, $config: JSONString, $host: String, $program: String,
  $repo: String, $jobType: String, $tags: [String!]
) {
  upsertBucket(input: {
    name: $name, modelName: $project, entityName: $entity, groupName: $groupName,
    displayName: $displayName, notes: $notes, commit: $commit, config: $config, host: $host,
    jobProgram: $program, jobRepo: $repo, jobType: $jobType, tags: $tags
  }) {
    bucket { id name displayName project { id name entity { id name } } }
    inserted
  }
}`;

const RUN_RESUME_STATUS = `query RunResumeStatus($project: String, $entity: String, $name: String!) {
  model(name: $project, entityName: $entity) {
    id
    bucket(name: $name, missingOk: true) { id name historyLineCount historyTail }
  }
}`;

const CREATE_RUN_FILES = `mutation CreateRunFiles($entity: String!, $project: String!, $run: String!, $files: [String!]!) {
  createRunFiles(input: { entityName: $entity, projectName: $project, runName: $run, files: $files }) {
    runID
    uploadHeaders
    files { name uploadUrl }
  }
}`;

const CREATE_ARTIFACT = `mutation CreateArtifact(
  $entityName: String!, $projectName: String!, $artifactTypeName: String!, $artifactCollectionName: String!,
  $runName: String, $digest: String!, $description: String, $aliases: [ArtifactAliasInput!],
  $metadata: JSONString, $clientID: ID!, $sequenceClientID: ID!
) {
  createArtifact(input: {
    entityName: $entityName, projectName: $projectName, artifactTypeName: $artifactTypeName,
    artifactCollectionName: $artifactCollectionName, runName: $runName, digest: $digest,
    digestAlgorithm: MANIFEST_MD5, description: $description, aliases: $aliases, metadata: $metadata,
    clientID: $clientID, sequenceClientID: $sequenceClientID
  }) {
    artifact {
      id state versionIndex digest
      aliases { artifactCollectionName alias }
      artifactSequence { id latestArtifact { id versionIndex } }
    }
  }
}`;

const CREATE_ARTIFACT_MANIFEST = `mutation CreateArtifactManifest(
  $artifactID: ID!, $baseArtifactID: ID, $name: String!, $digest: String!, $entityName: String!,
  $projectName: String!, $runName: String!, $includeUpload: Boolean!
) {
  createArtifactManifest(input: {
    artifactID: $artifactID, baseArtifactID: $baseArtifactID, name: $name, digest: $digest,
    entityName: $entityName, projectName: $projectName, runName: $runName, type: FULL
  }) {
    artifactManifest {
      id
      file { id name uploadUrl @include(if: $includeUpload) uploadHeaders @include(if: $includeUpload) }
    }
  }
}`;

const CREATE_ARTIFACT_FILES = `mutation CreateArtifactFiles($storageLayout: ArtifactStorageLayout!, $artifactFiles: [CreateArtifactFileSpecInput!]!) {
  createArtifactFiles(input: { artifactFiles: $artifactFiles, storageLayout: $storageLayout }) {
    files { edges { node { id name displayName uploadUrl uploadHeaders artifact { id } } } }
  }
}`;

const COMMIT_ARTIFACT = `mutation CommitArtifact($artifactID: ID!) {
  commitArtifact(input: { artifactID: $artifactID }) {
    artifact { id digest }
  }
}`;

const USE_ARTIFACT = `mutation UseArtifact($entityName: String!, $projectName: String!, $runName: String!, $artifactID: ID!) {
  useArtifact(input: { entityName: $entityName, projectName: $projectName, runName: $runName, artifactID: $artifactID }) {
    artifact { id digest }
  }
}`;

/** The variables of `CreateArtifact`. */
export interface CreateArtifactVariables {
  entityName: string;
  projectName: string;
  runName: string;
  artifactTypeName: string;
  artifactCollectionName: string;
  /** The manifest digest (see `manifestDigest`). */
  digest: string;
  description?: string | null;
  aliases: Array<{ artifactCollectionName: string; alias: string }>;
  /** JSON string. */
  metadata?: string | null;
  clientID: string;
  sequenceClientID: string;
}

/** What `CreateArtifact` answers: the version (new and `PENDING`, or one W&B already has with that digest). */
export interface CreatedArtifact {
  id: string;
  state: string;
  versionIndex: number | null;
  /** The collection's latest version before this one, the base of the manifest. */
  latestId: string | null;
}

/** One file asked for in `CreateArtifactFiles`. */
export interface ArtifactFileSpec {
  artifactID: string;
  artifactManifestID: string;
  name: string;
  /** Base64 MD5. */
  md5: string;
}

/** Where to PUT one artifact file; `uploadUrl` null when W&B already stores these bytes. */
export interface ArtifactFileTarget {
  uploadUrl: string | null;
  headers: Record<string, string>;
  birthArtifactID: string | null;
}

/** Where to PUT the files of a run: one URL per file, and the headers every upload carries. */
export interface RunFileUrls {
  urls: Map<string, string>;
  headers: Record<string, string>;
}

/** The variables of `UpsertBucket` that exptrack sends. A field left out keeps its value on W&B. */
export interface UpsertBucketVariables {
  name: string;
  project: string;
  entity: string;
  displayName?: string;
  notes?: string;
  groupName?: string;
  jobType?: string;
  /** The config as W&B stores it: `{ key: { value, desc } }`, as a JSON string. */
  config?: string;
  tags?: string[];
  commit?: string;
  repo?: string;
  host?: string;
  program?: string;
}

/** What W&B knows of a run before exptrack writes to it. */
export interface RunResumeStatus {
  /** How many history lines the server holds (the next offset to write). */
  historyLineCount: number;
  /** The `_step` of the last history line, if the tail had one. */
  lastStep: number | null;
}

/** One `file_stream` request: lines to place at an offset of a file, and the run's end. */
export interface FileStreamBody {
  files?: Record<string, { offset: number; content: string[] }>;
  /** Run files uploaded since the last post (W&B then lists them with the run). */
  uploaded?: string[];
  complete?: boolean;
  exitcode?: number;
}

/** Options of {@link WandbClient}. */
export interface WandbClientOptions {
  baseUrl: string;
  apiKey: string;
  retry: RetryPolicy;
  requestTimeoutMs: number;
}

/** A W&B protocol client. Every call retries per the policy and throws an {@link ExptrackError}. */
export class WandbClient {
  private readonly auth: string;

  constructor(private readonly options: WandbClientOptions) {
    this.auth = authorizationHeader(options.apiKey);
  }

  /** The API key's default entity. */
  async viewerEntity(signal?: AbortSignal): Promise<string> {
    const data = await this.graphql<{ viewer: { entity?: string | null } | null }>('Viewer', VIEWER, {}, signal);
    const entity = data.viewer?.entity;
    if (!entity) throw new ExptrackError('W&B did not name a default entity for this API key; pass entity', { code: 'invalid_input', field: 'entity', backend: 'wandb' });
    return entity;
  }

  /** Creates the run, or updates it if it exists (the run's `name` is its id). */
  async upsertBucket(variables: UpsertBucketVariables, signal?: AbortSignal): Promise<void> {
    await this.graphql('UpsertBucket', UPSERT_BUCKET, variables as unknown as Record<string, unknown>, signal);
  }

  /** What the server holds of a run, or null when it has no such run. */
  async runResumeStatus(entity: string, project: string, name: string, signal?: AbortSignal): Promise<RunResumeStatus | null> {
    const data = await this.graphql<{ model: { bucket: { historyLineCount?: number | null; historyTail?: string | null } | null } | null }>(
      'RunResumeStatus',
      RUN_RESUME_STATUS,
      { entity, project, name },
      signal,
    );
    const bucket = data.model?.bucket;
    if (!bucket) return null;
    return { historyLineCount: bucket.historyLineCount ?? 0, lastStep: lastStepOfTail(bucket.historyTail) };
  }

  /** Asks for upload URLs of files of the run `entity/project/run` (W&B's `CreateRunFiles`). */
  async createRunFiles(entity: string, project: string, run: string, files: string[], signal?: AbortSignal): Promise<RunFileUrls> {
    const data = await this.graphql<{ createRunFiles: { runID?: string | null; uploadHeaders?: string[] | null; files?: Array<{ name: string; uploadUrl: string }> | null } | null }>(
      'CreateRunFiles',
      CREATE_RUN_FILES,
      { entity, project, run, files },
      signal,
    );
    const result = data.createRunFiles;
    if (!result?.runID) throw new ExptrackError(`W&B CreateRunFiles: no run ${entity}/${project}/${run}`, { code: 'backend_failed', backend: 'wandb', retryable: false });
    return { urls: new Map((result.files ?? []).map((f) => [f.name, f.uploadUrl])), headers: parseUploadHeaders(result.uploadHeaders) };
  }

  /** Creates an artifact version (W&B's `CreateArtifact`); W&B answers with the version it has when the digest is known. */
  async createArtifact(variables: CreateArtifactVariables, signal?: AbortSignal): Promise<CreatedArtifact> {
    type Answer = { createArtifact: { artifact: { id?: string; state?: string; versionIndex?: number | null; artifactSequence?: { latestArtifact?: { id?: string } | null } | null } | null } | null };
    const data = await this.graphql<Answer>('CreateArtifact', CREATE_ARTIFACT, variables as unknown as Record<string, unknown>, signal);
    const artifact = data.createArtifact?.artifact;
    if (!artifact?.id || !artifact.state) throw new ExptrackError('W&B CreateArtifact: no artifact in the answer', { code: 'backend_failed', backend: 'wandb', retryable: false });
    const latest = artifact.artifactSequence?.latestArtifact?.id ?? null;
    return { id: artifact.id, state: artifact.state, versionIndex: artifact.versionIndex ?? null, latestId: latest === artifact.id ? null : latest };
  }

  /**
   * Creates the manifest record of an artifact (W&B's `CreateArtifactManifest`); with
   * `includeUpload`, W&B answers with the URL to PUT `wandb_manifest.json` to.
   */
  async createArtifactManifest(
    variables: { artifactID: string; baseArtifactID: string | null; name: string; digest: string; entityName: string; projectName: string; runName: string; includeUpload: boolean },
    signal?: AbortSignal,
  ): Promise<{ id: string; uploadUrl: string | null; headers: Record<string, string> }> {
    type Answer = { createArtifactManifest: { artifactManifest: { id?: string; file?: { uploadUrl?: string | null; uploadHeaders?: string[] | null } | null } | null } | null };
    const data = await this.graphql<Answer>('CreateArtifactManifest', CREATE_ARTIFACT_MANIFEST, variables, signal);
    const manifest = data.createArtifactManifest?.artifactManifest;
    if (!manifest?.id) throw new ExptrackError('W&B CreateArtifactManifest: no manifest in the answer', { code: 'backend_failed', backend: 'wandb', retryable: false });
    return { id: manifest.id, uploadUrl: manifest.file?.uploadUrl ?? null, headers: parseUploadHeaders(manifest.file?.uploadHeaders) };
  }

  /** Asks where to PUT artifact files (W&B's `CreateArtifactFiles`), by file path. */
  async createArtifactFiles(files: readonly ArtifactFileSpec[], storageLayout: string, signal?: AbortSignal): Promise<Map<string, ArtifactFileTarget>> {
    type Node = { name?: string; displayName?: string; uploadUrl?: string | null; uploadHeaders?: string[] | null; artifact?: { id?: string } | null };
    const data = await this.graphql<{ createArtifactFiles: { files: { edges: Array<{ node: Node | null }> } | null } | null }>(
      'CreateArtifactFiles',
      CREATE_ARTIFACT_FILES,
      { storageLayout, artifactFiles: files },
      signal,
    );
    const out = new Map<string, ArtifactFileTarget>();
    for (const { node } of data.createArtifactFiles?.files?.edges ?? []) {
      const name = node?.displayName ?? node?.name;
      if (!node || !name) continue;
      out.set(name, { uploadUrl: node.uploadUrl ?? null, headers: parseUploadHeaders(node.uploadHeaders), birthArtifactID: node.artifact?.id ?? null });
    }
    return out;
  }

  /** Commits an artifact version once its files and manifest are uploaded (W&B's `CommitArtifact`). */
  async commitArtifact(artifactID: string, signal?: AbortSignal): Promise<void> {
    const data = await this.graphql<{ commitArtifact: { artifact: { id?: string } | null } | null }>('CommitArtifact', COMMIT_ARTIFACT, { artifactID }, signal);
    if (!data.commitArtifact?.artifact?.id) throw new ExptrackError(`W&B CommitArtifact: artifact ${artifactID} was not committed`, { code: 'backend_failed', backend: 'wandb', retryable: false });
  }

  /** Records that the run `entity/project/run` used an artifact version (W&B's `UseArtifact`: lineage). */
  async useArtifact(entity: string, project: string, run: string, artifactID: string, signal?: AbortSignal): Promise<void> {
    const data = await this.graphql<{ useArtifact: { artifact: { id?: string } | null } | null }>('UseArtifact', USE_ARTIFACT, { entityName: entity, projectName: project, runName: run, artifactID }, signal);
    if (!data.useArtifact?.artifact?.id) throw new ExptrackError(`W&B UseArtifact: no artifact ${artifactID}`, { code: 'backend_failed', backend: 'wandb', retryable: false });
  }

  /**
   * PUTs a file's bytes to a signed upload URL (no API key: the URL is signed), streamed from disk.
   *
   * @throws ExptrackError `not_found` (field `path`, not retryable) when the file cannot be read.
   */
  async uploadFile(url: string, headers: Record<string, string>, source: ArtifactFileSource, what: string, signal?: AbortSignal): Promise<void> {
    let size: number;
    try {
      size = 'bytes' in source ? source.bytes.byteLength : (await stat(source.path)).size;
    } catch (cause) {
      throw new ExptrackError(`W&B upload of ${what}: cannot read ${'path' in source ? source.path : what}: ${String(cause)}`, { code: 'not_found', field: 'path', backend: 'wandb', cause, retryable: false });
    }
    await withRetry(
      this.options.retry,
      async () => {
        const timeoutMs = this.options.requestTimeoutMs + Math.ceil(size / 2 ** 20) * 1_000;
        const timeout = AbortSignal.timeout(timeoutMs);
        const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
        let answer: PutAnswer;
        try {
          answer = await putFile(url, headers, source, size, combined);
        } catch (cause) {
          const timedOut = timeout.aborted && !signal?.aborted;
          throw new ExptrackError(timedOut ? `W&B upload of ${what}: no answer within ${timeoutMs} ms` : `W&B upload of ${what}: ${describeNetworkError(cause)}`, {
            code: timedOut ? 'timeout' : 'unavailable',
            backend: 'wandb',
            cause,
            retryable: !signal?.aborted,
          });
        }
        if (answer.status < 200 || answer.status >= 300) throw httpError(`upload of ${what}`, answer.status, answer.text, answer.retryAfter);
      },
      signal,
    );
  }

  /** Posts one file_stream request for the run `entity/project/name`. */
  async fileStream(entity: string, project: string, name: string, body: string, signal?: AbortSignal): Promise<void> {
    const path = `/files/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/${encodeURIComponent(name)}/file_stream`;
    await this.post(path, body, 'file_stream', signal);
  }

  private async graphql<T>(operationName: string, query: string, variables: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    const text = await this.post('/graphql', JSON.stringify({ operationName, query, variables }), operationName, signal);
    let parsed: { data?: T; errors?: Array<{ message?: string }> };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch (cause) {
      throw new ExptrackError(`W&B ${operationName}: the answer is not JSON`, { code: 'unavailable', backend: 'wandb', cause });
    }
    if (parsed.errors && parsed.errors.length > 0) {
      const message = parsed.errors.map((e) => e.message ?? 'unknown error').join('; ');
      throw new ExptrackError(`W&B ${operationName} failed: ${message}`, { code: 'backend_failed', backend: 'wandb', retryable: false });
    }
    if (parsed.data === undefined || parsed.data === null) throw new ExptrackError(`W&B ${operationName}: no data in the answer`, { code: 'backend_failed', backend: 'wandb', retryable: false });
    return parsed.data;
  }

  /** POSTs with retries; returns the body of a 2xx answer. */
  private post(path: string, body: string, what: string, signal?: AbortSignal): Promise<string> {
    const url = this.options.baseUrl + path;
    return withRetry(
      this.options.retry,
      async () => {
        const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
        const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
        let response: Response;
        try {
          response = await fetch(url, {
            method: 'POST',
            body,
            headers: { authorization: this.auth, 'content-type': 'application/json', 'user-agent': 'exptrack-wandb' },
            signal: combined,
          });
        } catch (cause) {
          const timedOut = timeout.aborted && !signal?.aborted;
          throw new ExptrackError(timedOut ? `W&B ${what}: no answer within ${this.options.requestTimeoutMs} ms` : `W&B ${what}: ${describeNetworkError(cause)}`, {
            code: timedOut ? 'timeout' : 'unavailable',
            backend: 'wandb',
            cause,
            retryable: !signal?.aborted,
          });
        }
        const text = await response.text().catch(() => '');
        if (response.ok) return text;
        throw httpError(what, response.status, text, response.headers.get('retry-after'));
      },
      signal,
    );
  }
}

/** W&B's `uploadHeaders` (`Name:value` lines) as a header map. */
function parseUploadHeaders(lines: readonly string[] | null | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines ?? []) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

function httpError(what: string, status: number, text: string, retryAfter: string | null): ExptrackError {
  const detail = text.length > 200 ? `${text.slice(0, 197)}...` : text;
  const retryAfterMs = retryAfter === null ? undefined : Number.isFinite(Number(retryAfter)) ? Number(retryAfter) * 1000 : undefined;
  const value = { status, retryAfterMs };
  if (status === 429) return new ExptrackError(`W&B ${what}: rate limited (HTTP 429)`, { code: 'rate_limited', backend: 'wandb', value });
  if (status === 408 || status >= 500) return new ExptrackError(`W&B ${what}: HTTP ${status} ${detail}`, { code: 'unavailable', backend: 'wandb', value });
  return new ExptrackError(`W&B ${what}: HTTP ${status} ${detail}`, { code: status === 404 ? 'not_found' : 'invalid_input', backend: 'wandb', value, retryable: false });
}

function describeNetworkError(cause: unknown): string {
  const inner = (cause as { cause?: { code?: string; message?: string } })?.cause;
  return inner?.code ?? inner?.message ?? (cause instanceof Error ? cause.message : String(cause));
}

function lastStepOfTail(tail: string | null | undefined): number | null {
  if (!tail) return null;
  try {
    const lines = JSON.parse(tail) as unknown;
    if (!Array.isArray(lines)) return null;
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i];
      if (typeof line !== 'string') continue;
      const match = /"_step"\s*:\s*(\d+)/.exec(line);
      if (match) return Number(match[1]);
    }
  } catch {
    // A tail we cannot read tells us nothing.
  }
  return null;
}
