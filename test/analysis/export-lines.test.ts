// The JSON Lines export (schema 2): streamed out a page of points at a time, streamed back in with
// every line checked before anything is written, and the version 1 document still read.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend, ExperimentReader, TrackerEvent } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { SqliteBackend } from 'exptrack/sqlite';
import { exportAll, exportLines, importExportFile, importExportLines, MAX_EXPORT_LINE_BYTES, type ExportLine } from 'exptrack/analysis';
import { splitLines } from '../../src/analysis/export/split-lines.js';
import { errorOf, evaluation, memoryStore, points, started } from './store-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-export-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const samples = Array.from({ length: 2500 }, (_, i) => ({ id: `q${i}`, correct: i % 3 === 0, score: i % 7 === 0 ? NaN : i / 2500, output: 'x'.repeat(i % 50) }));
const events: TrackerEvent[] = [
  started('exp_1', { lr: 1e-3, weird: 'NaN' }, { summary: { best: NaN, top: Infinity, low: -Infinity }, status: 'completed', endedAt: 1_767_300_000_000 }),
  points('exp_1', 'loss', [2, NaN, Infinity, -Infinity, 0.5]),
  points('exp_1', 'loss', [9, 8], 1),
  evaluation('exp_1', 'gsm8k', { accuracy: 0.5, weird: NaN }, samples, 1),
  evaluation('exp_1', 'math', { accuracy: 0.1 }, [], 2),
  { type: 'checkpoint', experimentId: 'exp_1', checkpoint: { experimentId: 'exp_1', path: '/ck/1', step: 3, metrics: { loss: -Infinity }, sizeBytes: 10, sha256: 'f'.repeat(64), fileCount: 1, createdAt: 7 } },
  started('exp_2', {}, { status: 'running', createdAt: 1_767_225_600_001 }),
  points('exp_2', 'x', [1]),
];

async function snapshot(store: ExperimentReader) {
  const runs = [];
  for (const e of await store.getAllExperiments({ sort: 'created', direction: 'asc' })) {
    runs.push({ experiment: e, metrics: await store.getMetrics(e.id), evaluations: await store.getEvaluationResults(e.id), samples: await store.getEvaluationSamples(e.id), checkpoints: await store.getCheckpoints(e.id) });
  }
  return runs;
}

async function writeExport(store: ExperimentReader, name: string): Promise<{ path: string; lines: ExportLine[] }> {
  const lines: ExportLine[] = [];
  for await (const line of exportLines(store)) lines.push(line);
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return { path, lines };
}

/** A run with points of two keys and two ranks logged at the same steps: pages must cut between points of one step. */
function bigRun(id: string, perKey: number): TrackerEvent[] {
  const list: TrackerEvent[] = [started(id)];
  for (const key of ['b_loss', 'a_acc']) {
    for (let start = 0; start < perKey; start += 20_000) {
      const steps = Array.from({ length: Math.min(20_000, perKey - start) }, (_, i) => start + i);
      for (const rank of [0, 1]) {
        list.push({ type: 'metrics', experimentId: id, points: { keys: steps.map(() => key), steps, values: steps.map((s) => (s % 1001 === 0 ? NaN : s * 0.5 + rank)), timestamps: steps.map((s) => 1_767_225_600_000 + s), rank } });
      }
    }
  }
  return list;
}

describe('JSON Lines export and import', () => {
  it('round-trips a store through a file exactly, NaN and ±Infinity included', async () => {
    const source = await memoryStore(events);
    const { path, lines } = await writeExport(source, 'small.jsonl');
    expect(lines[0]).toMatchObject({ type: 'header', format: 'exptrack-export', schemaVersion: 2 });
    expect(lines.at(-1)).toEqual({ type: 'end', experiments: 2 });
    // 2,500 samples come on several lines, never one unbounded line.
    expect(lines.filter((l) => l.type === 'samples').length).toBeGreaterThanOrEqual(3);
    // Two ranks logging the same steps: a line per rank, not a line per point.
    expect(lines.filter((l) => l.type === 'metrics').map((l) => l.type === 'metrics' && [l.key, l.rank, l.steps.length])).toEqual([['loss', 0, 5], ['loss', 1, 2], ['x', 0, 1]]);
    const target = new MemoryBackend();
    const result = await importExportFile(target, path);
    expect(result).toMatchObject({ imported: ['exp_1', 'exp_2'], skipped: [] });
    expect(await snapshot(target)).toEqual(await snapshot(source));
    expect((await target.getExperiment('exp_1'))?.summary).toEqual({ best: NaN, top: Infinity, low: -Infinity });
    expect((await target.getExperiment('exp_1'))?.config.weird).toBe('NaN');
  });

  it('reads a SQLite run of 120,000 points a page at a time, in the order of getMetrics', async () => {
    const source = new SqliteBackend({ path: join(dir, 'big.db') });
    await source.init();
    const target = new MemoryBackend();
    try {
      await source.write(bigRun('exp_big', 30_000));
      const first = await source.getMetricPage('exp_big', { limit: 50_000 });
      expect(first.points).toHaveLength(50_000);
      expect(first.next).not.toBeNull();
      const paged = [...first.points];
      for (let page = first; page.next !== null; ) {
        page = await source.getMetricPage('exp_big', { limit: 50_000, after: page.next });
        paged.push(...page.points);
      }
      expect(paged).toEqual(await source.getMetrics('exp_big'));
      expect((await errorOf(source.getMetricPage('exp_big', { after: '["nope",1,2,3]' }))).field).toBe('after');
      expect((await errorOf(source.getMetricPage('exp_big', { limit: 0 }))).field).toBe('limit');

      const { path } = await writeExport(source, 'big.jsonl');
      await importExportFile(target, path);
      expect(await target.getMetrics('exp_big')).toEqual(paged);
      // The memory store pages the same way.
      const again = [];
      for (let page = await target.getMetricPage('exp_big', { limit: 30_000 }); ; page = await target.getMetricPage('exp_big', { limit: 30_000, after: page.next })) {
        again.push(...page.points);
        if (page.next === null) break;
      }
      expect(again).toEqual(paged);
    } finally {
      await source.close();
    }
  });

  it('still imports a version 1 export (one JSON document)', async () => {
    const source = await memoryStore(events);
    const path = join(dir, 'v1.json');
    writeFileSync(path, JSON.stringify(await exportAll(source)) + '\n');
    const target = new MemoryBackend();
    expect(await importExportFile(target, path)).toMatchObject({ imported: ['exp_1', 'exp_2'] });
    expect(await snapshot(target)).toEqual(await snapshot(source));
  });

  it('names the line, field and value of a bad line, and writes nothing for it', async () => {
    const source = await memoryStore(events);
    const { lines } = await writeExport(source, 'ok.jsonl');
    const cases: [string, (lines: ExportLine[]) => string[], RegExp][] = [
      ['a bad value', (l) => l.map((x) => JSON.stringify(x.type === 'metrics' && x.key === 'loss' && x.rank === 0 ? { ...x, values: [1, 2, 'lots', 4, 5] } : x)), /line 3\.values\[2\] must be a number.*"lots"/],
      ['a cut-off file', (l) => l.slice(0, -1).map((x) => JSON.stringify(x)), /the export was cut off/],
      ['a run twice', (l) => [...l.slice(0, -1), ...l.slice(1, 2), { type: 'end', experiments: 3 }].map((x) => JSON.stringify(x)), /holds experiment exp_1 twice/],
      ['missing samples', (l) => l.filter((x, i) => !(x.type === 'samples' && i === l.findIndex((y) => y.type === 'samples'))).map((x) => JSON.stringify(x)), /must be "samples"/],
      ['a hostile timestamp', (l) => l.map((x) => JSON.stringify(x.type === 'metrics' ? { ...x, timestamps: x.timestamps.map(() => -5) } : x)), /timestamps\[0\] must be a timestamp/],
      ['not JSON', (l) => [JSON.stringify(l[0]), '{"type": "experiment",', ...l.slice(1).map((x) => JSON.stringify(x))], /line 2 is not valid JSON/],
    ];
    for (const [label, edit, message] of cases) {
      const path = join(dir, `bad-${label.replace(/\W/g, '-')}.jsonl`);
      writeFileSync(path, edit(lines).join('\n') + '\n');
      const target = new MemoryBackend();
      const error = await errorOf(importExportFile(target, path));
      expect(error.message, label).toMatch(message);
      expect(await target.getAllExperiments(), label).toEqual([]);
    }
  });

  it('refuses a line longer than the bound before reading the rest of it', async () => {
    let produced = 0;
    async function* endless() {
      yield '{"type":"header","format":"exptrack-export","schemaVersion":2,"exportedAt":"x"}\n';
      for (;;) {
        produced++;
        yield 'x'.repeat(64 * 1024);
      }
    }
    const error = await errorOf(importExportLines(new MemoryBackend(), endless, { maxLineBytes: 1024 * 1024 }));
    expect(error.field).toBe('line 2');
    expect(error.message).toContain('longer than 1048576 bytes');
    // It stopped reading at the bound: 17 chunks of 64 KiB, not the endless rest.
    expect(produced).toBeLessThanOrEqual(17);
    expect(MAX_EXPORT_LINE_BYTES).toBe(64 * 1024 * 1024);
  });

  it('streams: lines are read as they are used, and an import of 600,000 points holds a few lines at a time', async () => {
    // The splitter reads no chunk before the line it is handing out needs it.
    let chunksRead = 0;
    async function* chunks() {
      for (let i = 0; i < 10_000; i++) {
        chunksRead++;
        yield `{"n":${i}}\n`;
      }
    }
    let seen = 0;
    for await (const line of splitLines(chunks(), 1024)) {
      seen++;
      expect(line.number).toBe(seen);
      expect(chunksRead - seen).toBeLessThanOrEqual(1);
    }
    expect(seen).toBe(10_000);

    // An import of 200 lines of 10,000 points: each write comes within a few lines of what was read.
    let produced = 0;
    const LINES = 60;
    async function* generated() {
      yield JSON.stringify({ type: 'header', format: 'exptrack-export', schemaVersion: 2, exportedAt: 'now' }) + '\n';
      yield JSON.stringify({ type: 'experiment', experiment: { id: 'exp_gen', name: 'gen', config: {}, tags: {}, status: 'completed', createdAt: 1, endedAt: 2, heartbeatAt: null, git: null, environment: null, summary: {}, error: null, notes: '', group: null } }) + '\n';
      const steps = Array.from({ length: 10_000 }, (_, i) => i);
      for (let line = 0; line < LINES; line++) {
        produced++;
        yield JSON.stringify({ type: 'metrics', key: 'loss', rank: 0, steps: steps.map((s) => line * 10_000 + s), values: steps.map(() => 0.5), timestamps: steps.map(() => 1000) }) + '\n';
      }
      yield JSON.stringify({ type: 'end', experiments: 1 }) + '\n';
    }
    const sink = new CountingBackend(() => produced);
    const result = await importExportLines(sink, () => {
      produced = 0;
      return generated();
    });
    expect(result.imported).toEqual(['exp_gen']);
    expect(sink.points).toBe(LINES * 10_000);
    expect(sink.writes).toBeGreaterThanOrEqual(LINES / 6);
    // What was read ahead of the writes never exceeded a batch (50,000 points: 5 lines) and one more line.
    expect(sink.maxLinesAhead).toBeLessThanOrEqual(6);
  });
});

/** A backend that counts what it is given and how far the source had been read at each write. */
class CountingBackend implements Backend {
  readonly name = 'counting';
  readonly specificationVersion = 1;
  readonly capabilities = { read: false, persistent: false, multiProcess: false, responseCache: false };
  points = 0;
  writes = 0;
  maxLinesAhead = 0;
  constructor(private readonly produced: () => number) {}
  async init(): Promise<void> {}
  async write(events: readonly TrackerEvent[]): Promise<void> {
    this.writes++;
    for (const e of events) if (e.type === 'metrics') this.points += e.points.steps.length;
    this.maxLinesAhead = Math.max(this.maxLinesAhead, this.produced() - this.points / 10_000);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
