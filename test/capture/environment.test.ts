import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { captureEnvironment } from '../../src/capture/environment.js';
import { DEFAULT_ENV_ALLOW_LIST, filterEnv, isSecretName } from '../../src/capture/env-allow-list.js';
import { clearPackageVersionCache, findNearestManifest } from '../../src/capture/package-versions.js';
import { cleanup, tempDir, write } from './git-fixtures.js';

const made: string[] = [];
afterAll(() => cleanup(...made));
beforeEach(() => clearPackageVersionCache());

/** A project with an installed, a hoisted and a missing dependency, under a workspace root. */
function project(): { workspace: string; app: string } {
  const workspace = tempDir();
  made.push(workspace);
  const app = join(workspace, 'packages', 'app');
  write(workspace, {
    'package.json': JSON.stringify({ name: 'ws', private: true, devDependencies: { outer: '^9.0.0' } }),
    'node_modules/hoisted/package.json': JSON.stringify({ name: 'hoisted', version: '2.0.1' }),
    'packages/app/package.json': JSON.stringify({
      name: 'app',
      dependencies: { local: '^1.0.0', hoisted: '~2.0.0', '@scope/pkg': '^3.1.0' },
      devDependencies: { missing: '^4.2.0' },
    }),
    'packages/app/node_modules/local/package.json': JSON.stringify({ name: 'local', version: '1.2.3' }),
    'packages/app/node_modules/@scope/pkg/package.json': JSON.stringify({ name: '@scope/pkg', version: '3.1.4' }),
    'packages/app/src/train/.keep': '',
  });
  return { workspace, app };
}

describe('captureEnvironment', () => {
  it('records the process, the machine and the command line', () => {
    const info = captureEnvironment({ env: {} });
    expect(info.argv).toEqual(process.argv);
    expect(info.argv).not.toBe(process.argv);
    expect(info.cwd).toBe(process.cwd());
    expect(info.nodeVersion).toBe(process.version);
    expect(info.platform).toBe(process.platform);
    expect(info.arch).toBe(process.arch);
    expect(info.osRelease).toBe(os.release());
    expect(info.cpuCount).toBeGreaterThan(0);
    expect(info.cpuModel.length).toBeGreaterThan(0);
    expect(info.totalMemoryBytes).toBe(os.totalmem());
    expect(info.hostname).toBe(os.hostname());
    expect(info.pid).toBe(process.pid);
    expect(info.env).toEqual({});
  });

  it('takes argv and cwd from the options', () => {
    const { app } = project();
    const info = captureEnvironment({ argv: ['/usr/bin/node', 'train.js', '--lr', '3e-4'], cwd: app, env: {} });
    expect(info.argv).toEqual(['/usr/bin/node', 'train.js', '--lr', '3e-4']);
    expect(info.cwd).toBe(app);
  });

  it('records installed versions of the nearest package.json, found from a subdirectory', () => {
    const { app } = project();
    const info = captureEnvironment({ cwd: join(app, 'src', 'train'), env: {} });
    expect(info.packages).toEqual({
      '@scope/pkg': '3.1.4',
      hoisted: '2.0.1',
      local: '1.2.3',
      missing: 'declared:^4.2.0',
    });
    expect(findNearestManifest(join(app, 'src', 'train'))).toBe(join(app, 'package.json'));
  });

  it('records no packages when no package.json is found', () => {
    const dir = tempDir();
    made.push(dir);
    expect(findNearestManifest(dir)).toBeNull();
    expect(captureEnvironment({ cwd: dir, env: {} }).packages).toEqual({});
  });

  it('reads package.json files once per process until the cache is cleared', () => {
    const { app } = project();
    write(app, { 'node_modules/local/package.json': JSON.stringify({ name: 'local', version: '1.2.3' }) });
    expect(captureEnvironment({ cwd: app, env: {} }).packages.local).toBe('1.2.3');
    write(app, { 'node_modules/local/package.json': JSON.stringify({ name: 'local', version: '1.9.9' }) });
    expect(captureEnvironment({ cwd: app, env: {} }).packages.local).toBe('1.2.3');
    clearPackageVersionCache();
    expect(captureEnvironment({ cwd: app, env: {} }).packages.local).toBe('1.9.9');
  });

  it('records null as the user when the user cannot be looked up', () => {
    vi.spyOn(os, 'userInfo').mockImplementation(() => {
      throw new Error('ENOENT: no such file or directory, uv_os_get_passwd');
    });
    expect(captureEnvironment({ env: {} }).user).toBeNull();
  });

  it('records the user name when there is one', () => {
    vi.spyOn(os, 'userInfo').mockReturnValue({ username: 'alice', uid: 1, gid: 1, shell: null, homedir: '/home/alice' });
    expect(captureEnvironment({ env: {} }).user).toBe('alice');
  });
});

describe('recorded environment variables', () => {
  const env: NodeJS.ProcessEnv = {
    CUDA_VISIBLE_DEVICES: '0,1',
    RANK: '3',
    WORLD_SIZE: '8',
    MASTER_ADDR: '10.0.0.1',
    HF_HOME: '/data/hf',
    EXPTRACK_PROJECT: 'demo',
    EXPTRACK_API_KEY: 'sk-should-not-appear',
    EXPTRACK_Token: 'should-not-appear',
    HF_TOKEN: 'hf_should_not_appear',
    WANDB_API_KEY: 'should-not-appear',
    AWS_SECRET_ACCESS_KEY: 'should-not-appear',
    DB_PASSWORD: 'should-not-appear',
    PATH: '/usr/bin',
    HOME: '/home/x',
    MY_DATA: 'https://alice:pa55word@data.example.com/set,https://public.example.com/x',
    MY_SECRET_DIR: '/secret',
  };

  it('keeps allow-listed names and EXPTRACK_ names, drops everything else', () => {
    expect(captureEnvironment({ env }).env).toEqual({
      CUDA_VISIBLE_DEVICES: '0,1',
      EXPTRACK_PROJECT: 'demo',
      HF_HOME: '/data/hf',
      MASTER_ADDR: '10.0.0.1',
      RANK: '3',
      WORLD_SIZE: '8',
    });
  });

  it('adds the caller allow-list, strips URL credentials, and still drops secret names', () => {
    const recorded = captureEnvironment({ env, extraEnvAllowList: ['MY_DATA', 'MY_SECRET_DIR', 'HF_TOKEN', 'PATH'] }).env;
    expect(recorded.MY_DATA).toBe('https://data.example.com/set,https://public.example.com/x');
    expect(recorded.PATH).toBe('/usr/bin');
    expect(recorded).not.toHaveProperty('MY_SECRET_DIR');
    expect(recorded).not.toHaveProperty('HF_TOKEN');
    const text = JSON.stringify(recorded);
    expect(text).not.toContain('should-not-appear');
    expect(text).not.toContain('should_not_appear');
    expect(text).not.toContain('pa55word');
  });

  it('drops a secret-looking name even when it is on the default allow-list', () => {
    for (const name of DEFAULT_ENV_ALLOW_LIST) expect(isSecretName(name), name).toBe(false);
    expect(filterEnv({ SLURM_JOB_ID: '1', slurm_key: 'x' }, ['slurm_key'])).toEqual({ SLURM_JOB_ID: '1' });
  });

  it('matches secret fragments in any case', () => {
    expect(isSecretName('my_api_key')).toBe(true);
    expect(isSecretName('GithubToken')).toBe(true);
    expect(isSecretName('Client_Secret')).toBe(true);
    expect(isSecretName('PGPASSWORD')).toBe(true);
    expect(isSecretName('LOCAL_RANK')).toBe(false);
  });
});
