/**
 * The artifact, lineage and media rows of the memory backend.
 * @module
 */
import type { ArtifactEvent, ArtifactLineage, ArtifactRecord, ArtifactUse, MediaKey, MediaRecord } from '../../core/artifacts.js';
import { ExptrackError } from '../../core/errors.js';
import type { ArtifactIndex } from '../../artifacts/artifact-store.js';

/** Rows in arrays; every read returns copies. */
export class MemoryArtifactIndex implements ArtifactIndex {
  private artifactRows: ArtifactRecord[] = [];
  private useRows: ArtifactUse[] = [];
  private mediaRows: Array<MediaRecord & { experimentId: string }> = [];

  apply(event: ArtifactEvent): void {
    switch (event.type) {
      case 'artifact': {
        const a = event.artifact;
        if (this.artifactRows.some((r) => r.experimentId === event.experimentId && r.name === a.name && r.version === a.version)) {
          throw new ExptrackError(`artifact "${a.name}" v${a.version} of ${event.experimentId} exists already`, { code: 'already_exists', field: 'version', value: a.version, backend: 'memory' });
        }
        this.artifactRows.push(structuredClone({ ...a, experimentId: event.experimentId }));
        return;
      }
      case 'artifact_used':
        this.useRows.push(structuredClone({ ...event.use, experimentId: event.experimentId }));
        return;
      case 'media': {
        const { key, step } = event.media;
        this.mediaRows = this.mediaRows.filter((m) => !(m.experimentId === event.experimentId && m.key === key && m.step === step));
        this.mediaRows.push({ ...structuredClone(event.media), experimentId: event.experimentId });
        return;
      }
    }
  }

  /** Forgets a deleted run's artifacts, uses and media (its blobs stay until garbage collection). */
  deleteExperiment(experimentId: string): void {
    this.artifactRows = this.artifactRows.filter((r) => r.experimentId !== experimentId);
    this.useRows = this.useRows.filter((r) => r.experimentId !== experimentId);
    this.mediaRows = this.mediaRows.filter((r) => r.experimentId !== experimentId);
  }

  async artifacts(experimentId: string): Promise<ArtifactRecord[]> {
    const rows = this.artifactRows.filter((r) => r.experimentId === experimentId);
    return structuredClone(rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version - b.version)));
  }

  async lineage(experimentId: string): Promise<ArtifactLineage> {
    return structuredClone({
      used: this.useRows.filter((u) => u.experimentId === experimentId),
      usedBy: this.useRows.filter((u) => u.sourceExperimentId === experimentId),
    });
  }

  async media(experimentId: string, key: string): Promise<MediaRecord[]> {
    const rows = this.mediaRows.filter((m) => m.experimentId === experimentId && m.key === key).sort((a, b) => a.step - b.step);
    return rows.map(({ experimentId: _, ...media }) => structuredClone(media) as MediaRecord);
  }

  async mediaKeys(experimentId: string): Promise<MediaKey[]> {
    const keys = new Map<string, MediaKey>();
    for (const m of this.mediaRows) {
      if (m.experimentId !== experimentId) continue;
      const known = keys.get(m.key);
      if (known) known.count++;
      else keys.set(m.key, { key: m.key, kind: m.kind, count: 1 });
    }
    return [...keys.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async referencedDigests(): Promise<Set<string>> {
    const digests = new Set<string>();
    for (const a of this.artifactRows) for (const f of a.files) digests.add(f.digest);
    for (const m of this.mediaRows) if (m.kind === 'image') digests.add(m.digest);
    return digests;
  }
}
