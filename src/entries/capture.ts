export { captureGit, captureEnvironment, hashPath } from '../capture/index.js';
export type { CaptureGitOptions, CaptureEnvironmentOptions, PathHash } from '../capture/index.js';
export { hashPathFor } from '../capture/hash-path.js';
