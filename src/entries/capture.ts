export { captureGit, captureEnvironment, hashPath } from '../capture/index.js';
export type { CaptureGitOptions, CaptureEnvironmentOptions, PathHash } from '../capture/index.js';
export { hashPathFor } from '../capture/hash-path.js';
export { prepareArtifact, prepareImage, type PreparedArtifact } from '../tracker/artifact-input.js';
export type { ImageMediaType } from '../core/artifacts.js';
