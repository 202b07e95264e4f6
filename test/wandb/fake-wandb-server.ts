/**
 * A small W&B-protocol server for tests: GraphQL `Viewer`, `UpsertBucket` and `RunResumeStatus` on
 * `/graphql`, and `/files/<entity>/<project>/<run>/file_stream`. It listens on 127.0.0.1 (a random
 * port), checks the API key, and records every request. File-stream lines are stored by offset: a
 * line sent at offset n replaces line n, as W&B's own mock server does (wandb/wandb#3933).
 * A test drives the real `@wandb/sdk` against it, so what it accepts is W&B's protocol.
 */
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

/** Everything the server received, kept apart from the listener so a restarted server can reuse it. */
export interface FakeWandbState {
  apiKey: string;
  defaultEntity: string;
  runs: Map<string, FakeRun>;
  requests: Array<{ path: string; operation: string | null; status: number }>;
}

/** Makes an empty state. */
export function newFakeWandbState(apiKey = 'k'.repeat(40), defaultEntity = 'fake-entity'): FakeWandbState {
  return { apiKey, defaultEntity, runs: new Map(), requests: [] };
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
    const text = raw.toString('utf8');
    const path = (req.url ?? '/').split('?')[0]!;
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
      if (operation === 'CreateRunFiles') {
        const entity = String(vars.entity);
        const project = String(vars.project);
        const run = state.runs.get(key(entity, project, String(vars.run)));
        if (!run) return reply(200, { data: { createRunFiles: { runID: null, uploadHeaders: [], files: [] } } });
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload/${[entity, project, run.name].map(encodeURIComponent).join('/')}`;
        const files = (vars.files as string[]).map((name) => ({ name, uploadUrl: `${base}/${encodeURIComponent(name)}?signature=fake` }));
        return reply(200, { data: { createRunFiles: { runID: `run-${run.name}`, uploadHeaders: ['X-Fake-Upload-Token:signed'], files } } });
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
    close() {
      return new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
    },
  };
}
