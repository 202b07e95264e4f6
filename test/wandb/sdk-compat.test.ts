/**
 * Keeps the fake W&B server honest: the real `@wandb/sdk` (0.5.1, a dev dependency) runs
 * init/log/finish against it, so the protocol the server accepts is the one W&B's own client speaks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { takeConsoleCalls } from '../setup/fail-on-console.js';
import { historyRows, startFakeWandbServer, type FakeWandbServer } from './fake-wandb-server.js';

interface WandbSdk {
  init(options: Record<string, unknown>): Promise<{ id: string; project: string; entity: string }>;
  log(data: Record<string, unknown>, step?: number): void;
  finish(code?: number): Promise<void>;
}

let sdk: WandbSdk | undefined;
let loadError: unknown;
try {
  sdk = ((await import('@wandb/sdk')) as { default: WandbSdk }).default;
} catch (error) {
  loadError = error;
}

const signals = ['SIGINT', 'SIGTERM', 'beforeExit'];

describe('the fake W&B server against the real @wandb/sdk', () => {
  let server: FakeWandbServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it.skipIf(sdk === undefined)(`accepts the SDK's Viewer, UpsertBucket and file_stream calls${sdk ? '' : ` (skipped: @wandb/sdk cannot be loaded: ${String(loadError)})`}`, async () => {
    server = await startFakeWandbServer();
    const before = new Map(signals.map((s) => [s, process.listeners(s as 'SIGINT')]));
    try {
      const run = await sdk!.init({
        project: 'sdk-compat',
        config: { learning_rate: 0.001, layers: [64, 64] },
        settings: { apiKey: server.state.apiKey, baseUrl: server.url },
      });
      expect(run.entity).toBe('fake-entity');
      for (let step = 0; step < 5; step++) sdk!.log({ loss: 1 / (step + 1), acc: step / 10 }, step);
      await sdk!.finish(0);

      const stored = server.run('fake-entity', 'sdk-compat', run.id);
      expect(stored).toBeDefined();
      const operations = server.state.requests.map((r) => r.operation);
      expect(operations[0]).toBe('Viewer');
      expect(operations).toContain('UpsertBucket');
      expect(operations).toContain('file_stream');
      expect(server.state.requests.every((r) => r.status === 200)).toBe(true);
      expect(stored!.config).toEqual({ learning_rate: 0.001, layers: [64, 64] });
      const rows = historyRows(stored!);
      expect(rows.map((r) => r._step)).toEqual([0, 1, 2, 3, 4]);
      expect(rows.map((r) => r.loss)).toEqual([1, 1 / 2, 1 / 3, 1 / 4, 1 / 5]);
      expect(rows.every((r) => typeof r._timestamp === 'number' && typeof r._runtime === 'number')).toBe(true);
      expect(JSON.parse(stored!.summary!)).toMatchObject({ loss: 1 / 5, acc: 0.4 });
      expect(stored!.complete).toBe(true);
      expect(stored!.exitCode).toBe(0);
      // The SDK prints where the run is; nothing else.
      const printed = takeConsoleCalls();
      expect(printed).toEqual([`console.log: View run at ${server.url}/fake-entity/sdk-compat/runs/${run.id}`]);
    } finally {
      // The SDK registers process handlers (its SIGINT handler calls process.exit); remove them.
      for (const s of signals) for (const l of process.listeners(s as 'SIGINT')) if (!before.get(s)!.includes(l)) process.removeListener(s, l as () => void);
    }
  });

  it('rejects an UpsertBucket input field that W&B does not have, and a request without the API key', async () => {
    server = await startFakeWandbServer();
    const post = (auth: string, query: string) =>
      fetch(`${server!.url}/graphql`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: { name: 'r' } }) });
    const auth = `Basic ${Buffer.from(`api:${server.state.apiKey}`).toString('base64')}`;
    const bad = await (await post(auth, 'mutation UpsertBucket($name: String) { upsertBucket(input: { name: $name, colour: $name }) { inserted } }')).json();
    expect(bad).toEqual({ errors: [{ message: 'Unknown field(s) colour on UpsertBucketInput' }] });
    const good = (await (await post(auth, 'mutation UpsertBucket($name: String) { upsertBucket(input: { name: $name, modelName: $name }) { inserted } }')).json()) as { data: { upsertBucket: { inserted: boolean } } };
    expect(good.data.upsertBucket.inserted).toBe(true);
    expect((await post('Basic eA==', 'query Viewer { viewer { entity } }')).status).toBe(401);
  });
});
