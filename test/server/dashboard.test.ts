// The dashboard reading (and editing) through a tracking server, as `exptrack ui --db http://…` runs it.
import { describe, expect, it } from 'vitest';
import { HttpBackend } from 'exptrack/http';
import { SqliteBackend } from 'exptrack/sqlite';
import { demoEvents, fakeAssets, serve as serveDashboard } from '../ui/fixtures.js';
import { serve } from '../fixtures/tracking-server.js';

describe('dashboard over a tracking server', () => {
  it('lists, shows and edits the same as over the store itself', async () => {
    const served = await serve(new SqliteBackend({ path: ':memory:' }));
    const events = demoEvents();
    await served.store.write(events);
    const reference = new SqliteBackend({ path: ':memory:' });
    await reference.init();
    await reference.write(events);
    const remote = new HttpBackend({ url: served.server.url });
    const viaServer = await serveDashboard({ store: remote, assetsDir: fakeAssets(), allowEdit: true });
    const direct = await serveDashboard({ store: reference, assetsDir: fakeAssets() });
    try {
      const get = async (base: string, path: string) => (await fetch(`${base}${path}`)).json() as Promise<{ experiments: Array<{ id: string }> }>;
      const listed = await get(viaServer.url, 'api/experiments');
      expect(listed).toEqual(await get(direct.url, 'api/experiments'));
      const id = listed.experiments[0]!.id;
      expect(await get(viaServer.url, `api/experiments/${id}`)).toEqual(await get(direct.url, `api/experiments/${id}`));
      const edit = await fetch(`${viaServer.url}api/experiments/${id}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ notes: 'edited through the server' }) });
      expect(edit.status).toBe(200);
      expect((await served.store.getExperiment(id))?.notes).toBe('edited through the server');
    } finally {
      await Promise.all([viaServer.close(), direct.close()]);
      await remote.close();
      await served.stop();
      await reference.close();
    }
  });
});
