/**
 * Which environment variables a run records, and which it never does.
 * @module
 */
import { redactText, type RedactionRules } from './redact-secrets.js';

/**
 * The environment variables recorded by default: devices, distributed-training topology, job
 * schedulers, thread counts and caches. Any name starting with `EXPTRACK_` is recorded too.
 */
export const DEFAULT_ENV_ALLOW_LIST: readonly string[] = [
  'NODE_ENV',
  'NODE_OPTIONS',
  'TZ',
  'CUDA_VISIBLE_DEVICES',
  'CUDA_DEVICE_ORDER',
  'NVIDIA_VISIBLE_DEVICES',
  'HIP_VISIBLE_DEVICES',
  'ROCR_VISIBLE_DEVICES',
  'CUBLAS_WORKSPACE_CONFIG',
  'RANK',
  'LOCAL_RANK',
  'NODE_RANK',
  'GROUP_RANK',
  'WORLD_SIZE',
  'LOCAL_WORLD_SIZE',
  'MASTER_ADDR',
  'MASTER_PORT',
  'NCCL_DEBUG',
  'SLURM_JOB_ID',
  'SLURM_JOB_NAME',
  'SLURM_ARRAY_JOB_ID',
  'SLURM_ARRAY_TASK_ID',
  'SLURM_PROCID',
  'SLURM_LOCALID',
  'SLURM_NODEID',
  'SLURM_NTASKS',
  'SLURM_JOB_NODELIST',
  'PBS_JOBID',
  'LSB_JOBID',
  'OMP_NUM_THREADS',
  'MKL_NUM_THREADS',
  'OPENBLAS_NUM_THREADS',
  'UV_THREADPOOL_SIZE',
  'HF_HOME',
  'HF_DATASETS_CACHE',
  'HF_HUB_CACHE',
  'HF_HUB_OFFLINE',
  'TRANSFORMERS_CACHE',
  'TORCH_HOME',
  'PYTHONHASHSEED',
];

/** Name fragments that mark a secret; matched case-insensitively anywhere in the name. */
export const SECRET_NAME_FRAGMENTS: readonly string[] = ['KEY', 'TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'CREDENTIAL'];

const SECRET_NAME = new RegExp(SECRET_NAME_FRAGMENTS.join('|'), 'i');

/**
 * Whether an environment variable name looks like it holds a secret.
 *
 * @param name - The variable name.
 * @returns True when the name contains KEY, TOKEN, SECRET, PASSWORD, PASSWD or CREDENTIAL, in any case.
 *
 * @example
 * ```ts
 * isSecretName('WANDB_API_KEY'); // true
 * isSecretName('hf_token');      // true
 * isSecretName('RANK');          // false
 * ```
 */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * Picks the recorded environment variables: the default allow-list, names starting with `EXPTRACK_`
 * and `extraAllowList`, minus any secret-looking name; credentials in URL-looking values (user-info,
 * `?password=`...) and matches of `rules.patterns` are removed.
 *
 * @param env - The environment to read.
 * @param extraAllowList - More names to record (exact, case-sensitive).
 * @param rules - Extra redaction rules.
 * @returns The recorded variables, keys sorted.
 *
 * @example
 * ```ts
 * filterEnv({ RANK: '0', HF_TOKEN: 'x', EXPTRACK_RUN: 'a' }, []); // { EXPTRACK_RUN: 'a', RANK: '0' }
 * ```
 */
export function filterEnv(env: NodeJS.ProcessEnv, extraAllowList: readonly string[], rules: RedactionRules = {}): Record<string, string> {
  const allowed = new Set([...DEFAULT_ENV_ALLOW_LIST, ...extraAllowList]);
  const out: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value === undefined) continue;
    if (!allowed.has(name) && !name.startsWith('EXPTRACK_')) continue;
    if (isSecretName(name)) continue;
    out[name] = redactText(value, rules);
  }
  return out;
}
