import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { syncExperimentsToWandb, wandbRunId } from 'exptrack/wandb';
import { startFakeWandbServer, type FakeArtifact, type FakeWandbServer } from './fake-wandb-server.js';
import { ENTITY, PROJECT, tempLedgerDir, trackerWithWandb } from './helpers.js';

let server: FakeWandbServer;
let ledger: { dir: string; remove: () => void };
let files: string;

beforeEach(async () => {
  server = await startFakeWandbServer();
  ledger = tempLedgerDir();
  files = mkdtempSync(join(tmpdir(), 'exptrack-wandb-artifact-files-'));
});

afterEach(async () => {
  await server.close();
  ledger.remove();
  rmSync(files, { recursive: true, force: true });
});

function b64md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('base64');
}

/** W&B's manifest digest, computed here independently of the code under test. */
function wandbDigest(contents: Record<string, Uint8Array>): string {
  const lines = Object.keys(contents)
    .sort()
    .map((path) => `${path}:${b64md5(contents[path]!)}\n`)
    .join('');
  return createHash('md5').update(`wandb-artifact-manifest-v1\n${lines}`).digest('hex');
}

function write(name: string, bytes: Uint8Array): string {
  const path = join(files, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

function versions(collection: string): FakeArtifact[] {
  return server.artifactVersions(ENTITY, PROJECT, collection);
}

function runKey(id: string): string {
  return `${ENTITY}/${PROJECT}/${wandbRunId(id)}`;
}

/** The artifact requests the server received, in order (uploads of artifact bytes included). */
function artifactRequests(): string[] {
  return server.state.requests.map((r) => r.operation ?? '').filter((op) => /Artifact|artifact-upload/.test(op));
}

function ledgerStates(): Array<Record<string, unknown>> {
  return readdirSync(ledger.dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(ledger.dir, f), 'utf8')) as Record<string, unknown>);
}

describe('artifacts as W&B Artifacts', () => {
  it('sends a file artifact as the wandb SDK does: CreateArtifact, manifest, CreateArtifactFiles, PUT, manifest PUT, CommitArtifact', async () => {
    const bytes = randomBytes(300_000);
    const path = write('model.bin', bytes);
    const { tracker, wandb, errors } = trackerWithWandb(server, ledger.dir);
    const id = await tracker.startExperiment({});
    const logged = await tracker.logArtifact(path, { name: 'model', type: 'model', metadata: { epochs: 3 } });
    await tracker.finishExperiment();
    await tracker.close();
    expect(errors).toEqual([]);

    const [v0, ...more] = versions('model');
    expect(more).toEqual([]);
    expect(v0).toMatchObject({ state: 'COMMITTED', versionIndex: 0, type: 'model', outputRun: runKey(id), digest: wandbDigest({ 'model.bin': bytes }) });
    expect(v0!.aliases.sort()).toEqual(['latest', 'v0']);
    expect(v0!.metadata).toEqual({ epochs: 3, exptrack: { experimentId: id, name: 'model', version: 1, digest: logged!.digest, kind: 'file' } });
    expect(v0!.manifest).toEqual({
      version: 1,
      storagePolicy: 'wandb-storage-policy-v1',
      storagePolicyConfig: { storageLayout: 'V2' },
      contents: { 'model.bin': { digest: b64md5(bytes), size: bytes.length, birthArtifactID: v0!.id } },
    });
    expect(server.state.storage.get(b64md5(bytes))?.equals(bytes)).toBe(true);
    expect(artifactRequests()).toEqual(['CreateArtifact', 'CreateArtifactManifest', 'CreateArtifactFiles', 'artifact-upload', 'CreateArtifactManifest', 'artifact-upload', 'CommitArtifact']);
    // Not a run file any more, and nothing in the summary about it.
    expect(server.run(ENTITY, PROJECT, wandbRunId(id))!.files.size).toBe(0);
    expect(JSON.parse(server.run(ENTITY, PROJECT, wandbRunId(id))!.summary!)).not.toHaveProperty('artifacts/model');
    expect(wandb.deliveryStatus()[0]).toMatchObject({ pendingArtifacts: 0, unsentOutputs: 0, needsSync: false });
    expect(ledgerStates()[0]).toMatchObject({ artifacts: { 'model:v1': { id: v0!.id, digest: logged!.digest } }, undeliveredArtifacts: [] });
  });

  it('sends a directory artifact with one manifest entry per file, by its path inside the directory', async () => {
    const a = Buffer.from('{"lr": 0.1}');
    const b = randomBytes(70_000);
    write('ckpt/config.json', a);
    write('ckpt/weights/layer0.bin', b);
    const { tracker, errors } = trackerWithWandb(server, ledger.dir);
    await tracker.startExperiment({});
    await tracker.logArtifact(join(files, 'ckpt'), { name: 'checkpoint', type: 'model' });
    await tracker.finishExperiment();
    await tracker.close();
    expect(errors).toEqual([]);
    const [v0] = versions('checkpoint');
    expect(v0).toMatchObject({ state: 'COMMITTED', digest: wandbDigest({ 'config.json': a, 'weights/layer0.bin': b }) });
    expect(Object.keys(v0!.manifest!.contents).sort()).toEqual(['config.json', 'weights/layer0.bin']);
    expect(server.state.storage.get(v0!.manifest!.contents['weights/layer0.bin']!.digest)?.equals(b)).toBe(true);
    expect(server.state.storage.get(v0!.manifest!.contents['config.json']!.digest)?.equals(a)).toBe(true);
  });

  it('makes a second W&B version for other bytes, moves `latest` to it, and uploads only the files W&B does not store yet', async () => {
    const config = Buffer.from('{"lr": 0.1}');
    write('ckpt/config.json', config);
    write('ckpt/weights.bin', randomBytes(50_000));
    const { tracker, errors } = trackerWithWandb(server, ledger.dir);
    await tracker.startExperiment({});
    await tracker.logArtifact(join(files, 'ckpt'), { name: 'checkpoint', type: 'model' });
    await tracker.flush();
    const before = artifactRequests().length;
    const weights2 = randomBytes(50_000);
    write('ckpt/weights.bin', weights2);
    const second = await tracker.logArtifact(join(files, 'ckpt'), { name: 'checkpoint', type: 'model' });
    expect(second?.version).toBe(2);
    await tracker.finishExperiment();
    await tracker.close();
    expect(errors).toEqual([]);
    const [v0, v1] = versions('checkpoint');
    expect(v0).toMatchObject({ state: 'COMMITTED', versionIndex: 0, aliases: ['v0'] });
    expect(v1).toMatchObject({ state: 'COMMITTED', versionIndex: 1, digest: wandbDigest({ 'config.json': config, 'weights.bin': weights2 }) });
    expect(v1!.aliases.sort()).toEqual(['latest', 'v1']);
    // config.json was stored by v0: W&B gives no upload URL for it, and its birth artifact is v0.
    const second_ = artifactRequests().slice(before);
    expect(second_.filter((op) => op === 'artifact-upload')).toHaveLength(2); // weights.bin and the manifest
    expect(v1!.manifest!.contents['config.json']!.birthArtifactID).toBe(v0!.id);
  });

  it('sends nothing but CreateArtifact when W&B already has the same bytes under the name (another run logging them)', async () => {
    const path = write('model.bin', randomBytes(40_000));
    const first = trackerWithWandb(server, ledger.dir);
    await first.tracker.startExperiment({});
    await first.tracker.logArtifact(path, { name: 'model', type: 'model' });
    await first.tracker.finishExperiment();
    await first.tracker.close();
    const before = artifactRequests().length;

    const second = trackerWithWandb(server, ledger.dir);
    const id2 = await second.tracker.startExperiment({});
    await second.tracker.logArtifact(path, { name: 'model', type: 'model' });
    await second.tracker.finishExperiment();
    await second.tracker.close();
    expect([...first.errors, ...second.errors]).toEqual([]);
    expect(artifactRequests().slice(before)).toEqual(['CreateArtifact']);
    expect(versions('model')).toHaveLength(1);
    expect(second.wandb.deliveryStatus()[0]).toMatchObject({ pendingArtifacts: 0, needsSync: false });
    const ledger2 = ledgerStates().find((l) => l.experimentId === id2)!;
    expect(ledger2.artifacts).toEqual({ 'model:v1': { id: versions('model')[0]!.id, digest: expect.stringMatching(/^sha256:/) } });
  });

  it('records artifact uses as W&B lineage (UseArtifact), within one process and from a later process through the ledger', async () => {
    const path = write('data.csv', Buffer.from('x,y\n1,2\n'));
    const producer = trackerWithWandb(server, ledger.dir);
    const source = await producer.tracker.startExperiment({});
    await producer.tracker.logArtifact(path, { name: 'dataset', type: 'dataset' });
    // The same process uses it from a second run (the W&B id is known in memory).
    await producer.tracker.finishExperiment();
    const consumerA = await producer.tracker.startExperiment({});
    await producer.tracker.useArtifact(source, 'dataset');
    await producer.tracker.finishExperiment();
    await producer.tracker.close();
    expect(producer.errors).toEqual([]);

    // A later process (a new backend, the same ledger) finds the W&B id in the producer's ledger.
    const later = trackerWithWandb(server, ledger.dir);
    const consumerB = await later.tracker.startExperiment({});
    await later.memory.write(await eventsOf(producer.memory, source));
    await later.tracker.useArtifact(source, 'dataset', { version: 1 });
    await later.tracker.finishExperiment();
    await later.tracker.close();
    expect(later.errors).toEqual([]);
    const [v0] = versions('dataset');
    expect(v0!.usedBy).toEqual([runKey(consumerA), runKey(consumerB)]);
    expect(later.wandb.deliveryStatus().find((r) => r.experimentId === consumerB)).toMatchObject({ pendingArtifacts: 0, unsentOutputs: 0 });
  });

  it('keeps artifacts and uses in the ledger while W&B is down; one sync delivers them from the store, a second sends nothing', async () => {
    const bytes = randomBytes(120_000);
    const path = write('model.bin', bytes);
    const { tracker, wandb, memory } = trackerWithWandb(server, ledger.dir, { closeTimeoutMs: 300 });
    const id = await tracker.startExperiment({});
    await tracker.flush();
    server.fail(503);
    await tracker.logArtifact(path, { name: 'model', type: 'model' });
    await tracker.useArtifact(id, 'model');
    await tracker.flush();
    expect(wandb.deliveryStatus()[0]).toMatchObject({ pendingArtifacts: 2 });
    await tracker.finishExperiment();
    await expect(wandb.close()).rejects.toThrow(/exptrack sync wandb/);
    await tracker.close();
    expect(ledgerStates()[0]).toMatchObject({ needsSync: true, undeliveredArtifacts: ['model:v1'], undeliveredUses: [`${id}/model:v1`] });
    expect(versions('model').filter((v) => v.state === 'COMMITTED')).toEqual([]);

    server.fail(null);
    // The file the run logged is gone: the sync reads the logged bytes from the store.
    rmSync(path);
    const options = { store: memory, project: PROJECT, entity: ENTITY, baseUrl: server.url, apiKey: server.state.apiKey, ledgerDir: ledger.dir, retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 } };
    const report = await syncExperimentsToWandb(options);
    expect(report.errors).toEqual([]);
    expect(report.experiments[0]).toMatchObject({ artifactsSent: 1, artifactUsesSent: 1, artifactUsesUnresolved: 0 });
    const committed = versions('model').filter((v) => v.state === 'COMMITTED');
    expect(committed).toHaveLength(1);
    expect(server.state.storage.get(committed[0]!.manifest!.contents['model.bin']!.digest)?.equals(bytes)).toBe(true);
    expect(committed[0]!.usedBy).toEqual([runKey(id)]);
    expect(ledgerStates()[0]).toMatchObject({ needsSync: false, undeliveredArtifacts: [], undeliveredUses: [] });

    const before = artifactRequests().length;
    const again = await syncExperimentsToWandb(options);
    expect(again.experiments[0]).toMatchObject({ artifactsSent: 0, artifactUsesSent: 0, upToDate: true });
    expect(artifactRequests().length).toBe(before);
  });

  it('gives up on an artifact whose file changed after it was logged, counts it, and leaves it to a sync (which sends the logged bytes)', async () => {
    const logged = randomBytes(10_000);
    const path = write('model.bin', logged);
    const { tracker, wandb, memory, errors } = trackerWithWandb(server, ledger.dir, { closeTimeoutMs: 300 });
    const id = await tracker.startExperiment({});
    await tracker.flush();
    server.fail(503);
    await tracker.logArtifact(path, { name: 'model', type: 'model' });
    writeFileSync(path, randomBytes(10_000)); // overwritten before W&B could take it
    server.fail(null);
    await tracker.finishExperiment();
    await expect(wandb.close()).rejects.toThrow(/exptrack sync wandb/);
    await tracker.close();
    expect(errors.some((e) => /changed since it was logged/.test(e.error.message))).toBe(true);
    expect(wandb.deliveryStatus()[0]).toMatchObject({ unsentOutputs: 1, pendingArtifacts: 0, needsSync: true });
    expect(versions('model').filter((v) => v.state === 'COMMITTED')).toEqual([]);
    const report = await syncExperimentsToWandb({ store: memory, ids: [id], project: PROJECT, entity: ENTITY, baseUrl: server.url, apiKey: server.state.apiKey, ledgerDir: ledger.dir });
    expect(report.experiments[0]).toMatchObject({ artifactsSent: 1 });
    const [v0] = versions('model').filter((v) => v.state === 'COMMITTED');
    expect(server.state.storage.get(v0!.manifest!.contents['model.bin']!.digest)?.equals(logged)).toBe(true);
  });
  it('a sync counts a use of a version W&B does not have as unresolved, and sends it once the producing run was synced', async () => {
    const path = write('data.csv', Buffer.from('a,b\n'));
    const memory = new MemoryBackend();
    const offline = new ExperimentTracker({ backends: [memory], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
    const producer = await offline.startExperiment({});
    await offline.logArtifact(path, { name: 'data', type: 'dataset' });
    await offline.finishExperiment();
    const consumer = await offline.startExperiment({});
    await offline.useArtifact(producer, 'data');
    await offline.finishExperiment();
    await offline.close();
    const options = { store: memory, project: PROJECT, entity: ENTITY, baseUrl: server.url, apiKey: server.state.apiKey, ledgerDir: ledger.dir };
    const first = await syncExperimentsToWandb({ ...options, ids: [consumer] });
    expect(first.experiments[0]).toMatchObject({ artifactsSent: 0, artifactUsesSent: 0, artifactUsesUnresolved: 1 });
    const second = await syncExperimentsToWandb({ ...options, ids: [producer, consumer] });
    expect(second.experiments.map((e) => [e.artifactsSent, e.artifactUsesSent, e.artifactUsesUnresolved])).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(versions('data')[0]!.usedBy).toEqual([runKey(consumer)]);
  });
});

describe('the fake W&B server refuses what W&B refuses', () => {
  async function gql(operationName: string, query: string, variables: Record<string, unknown>): Promise<{ data?: Record<string, any>; errors?: Array<{ message: string }> }> {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`api:${server.state.apiKey}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ operationName, query, variables }),
    });
    return (await response.json()) as { data?: Record<string, any>; errors?: Array<{ message: string }> };
  }

  it('a missing required variable, a commit before the manifest and files are uploaded, and a wrong Content-MD5', async () => {
    await gql('UpsertBucket', 'mutation UpsertBucket($name: String, $project: String, $entity: String) { upsertBucket(input: { name: $name, modelName: $project, entityName: $entity }) { inserted } }', { name: 'r1', project: PROJECT, entity: ENTITY });
    const create = 'mutation CreateArtifact { createArtifact(input: { digestAlgorithm: MANIFEST_MD5 }) { artifact { id state } } }';
    const base = { entityName: ENTITY, projectName: PROJECT, runName: 'r1', artifactTypeName: 'model', artifactCollectionName: 'm', digest: 'a'.repeat(32), clientID: 'c', sequenceClientID: 's' };
    expect((await gql('CreateArtifact', create, { ...base, clientID: undefined })).errors?.[0]?.message).toMatch(/\$clientID/);
    const created = await gql('CreateArtifact', create, base);
    const artifactID = created.data!.createArtifact.artifact.id as string;
    expect(created.data!.createArtifact.artifact.state).toBe('PENDING');
    expect((await gql('CommitArtifact', 'mutation CommitArtifact { x }', { artifactID })).errors?.[0]?.message).toMatch(/manifest was not uploaded/);
    const manifest = await gql('CreateArtifactManifest', 'mutation CreateArtifactManifest { x }', { artifactID, name: 'wandb_manifest.json', digest: '', entityName: ENTITY, projectName: PROJECT, runName: 'r1', includeUpload: false, baseArtifactID: null });
    const manifestID = manifest.data!.createArtifactManifest.artifactManifest.id as string;
    const bytes = Buffer.from('hello');
    const files = await gql('CreateArtifactFiles', 'mutation CreateArtifactFiles { x }', { storageLayout: 'V2', artifactFiles: [{ artifactID, artifactManifestID: manifestID, name: 'f.txt', md5: b64md5(bytes) }] });
    const node = files.data!.createArtifactFiles.files.edges[0].node as { uploadUrl: string };
    const put = await fetch(node.uploadUrl, { method: 'PUT', body: Buffer.from('other'), headers: { 'content-md5': b64md5(bytes), 'x-fake-upload-token': 'signed' } });
    expect(put.status).toBe(400);
    const json = Buffer.from(JSON.stringify({ version: 1, storagePolicy: 'wandb-storage-policy-v1', storagePolicyConfig: {}, contents: { 'f.txt': { digest: b64md5(bytes), size: 5 } } }));
    const withUpload = await gql('CreateArtifactManifest', 'mutation CreateArtifactManifest { x }', { artifactID, name: 'wandb_manifest.json', digest: b64md5(json), entityName: ENTITY, projectName: PROJECT, runName: 'r1', includeUpload: true });
    const file = withUpload.data!.createArtifactManifest.artifactManifest.file as { uploadUrl: string };
    expect((await fetch(file.uploadUrl, { method: 'PUT', body: json, headers: { 'content-md5': b64md5(json), 'x-fake-upload-token': 'signed' } })).status).toBe(200);
    expect((await gql('CommitArtifact', 'mutation CommitArtifact { x }', { artifactID })).errors?.[0]?.message).toMatch(/f\.txt .* was never uploaded/);
  });
});

/** The events that rebuild a run of one store in another (a later process opening the same store). */
async function eventsOf(store: MemoryBackend, id: string) {
  const experiment = (await store.getExperiment(id))!;
  const [artifact] = await store.getArtifacts(id);
  const bytes = await store.readArtifact(id, artifact!.name);
  return [
    { type: 'experiment_started' as const, experiment },
    { type: 'artifact' as const, experimentId: id, artifact: artifact!, sources: [{ digest: artifact!.digest, size: artifact!.size, bytes }] },
  ];
}
