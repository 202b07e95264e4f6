/**
 * Run capture for reproducibility: the git state of the code (`captureGit`), the machine and process
 * (`captureEnvironment`) and the hash of checkpoint files (`hashPath`). What is and is never recorded
 * is described in docs/CAPTURE.md.
 * @module
 */
export { captureGit, type CaptureGitOptions } from './git.js';
export { captureEnvironment, type CaptureEnvironmentOptions } from './environment.js';
export { DEFAULT_ENV_ALLOW_LIST, SECRET_NAME_FRAGMENTS, isSecretName } from './env-allow-list.js';
export { clearPackageVersionCache } from './package-versions.js';
export { hashPath, type PathHash } from './hash-path.js';
export { stripUrlCredentials, redactUrlCredentials } from './redact-url.js';
export { redactArgv, redactText, redactUrl, REDACTED, type RedactionRules } from './redact-secrets.js';
