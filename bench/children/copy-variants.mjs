// Ways to put a file into a blob directory with its bytes checked, timed one per process (wall and
// CPU of all threads) so the variant the store uses can be chosen by measurement, not by guess:
//   A      copyFile (kernel copy), then hash the copy while fdatasync runs (what DirectoryBlobStore does)
//   C      copyFile while hashing the source (reference only: it checks the source, not the copy)
//   BnxK   one pass: read n MiB -> hash on the main thread while the write runs in the threadpool, K buffers
//   B8x3s  as B8x3, with an fdatasync every 128 MiB in the background
//   Pn     only hashing the file in n MiB reads (what logArtifact does first)
// Run: node bench/children/copy-variants.mjs <1 GiB file> <variant> [dir on the same disk]
import { createHash, randomUUID } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { copyFile, open, rm, mkdir } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
const src = process.argv[2]; const which = process.argv[3]; const MiB = 1 << 20;
const dir = process.argv[4] ?? tmpdir(); await mkdir(dir, { recursive: true });
async function hashFile(path, chunk) {
  const h = createHash('sha256'); const fh = await open(path, 'r');
  const bufs = [Buffer.allocUnsafe(chunk), Buffer.allocUnsafe(chunk)]; let turn = 0; let n = 0;
  let next = fh.read(bufs[0], 0, chunk, null);
  for (;;) { const { bytesRead, buffer } = await next; if (!bytesRead) break; turn ^= 1; next = fh.read(bufs[turn], 0, chunk, null); h.update(buffer.subarray(0, bytesRead)); n += bytesRead; }
  await fh.close(); return h.digest('hex');
}
async function A(temp) { // current
  await copyFile(src, temp, constants.COPYFILE_EXCL);
  const fh = await open(temp, 'r'); const [d] = await Promise.all([hashFile(temp, 4 * MiB), fh.datasync()]); await fh.close(); return d;
}
async function C(temp) { // copyFile while hashing the source (reference only)
  const [, d] = await Promise.all([copyFile(src, temp, constants.COPYFILE_EXCL), hashFile(src, 8 * MiB)]);
  const fh = await open(temp, 'r'); await fh.datasync(); await fh.close(); return d;
}
// one pass: read -> (hash on main thread || write in threadpool), `depth` buffers in rotation
async function B(temp, chunk, depth, syncEvery) {
  const h = createHash('sha256'); const input = await open(src, 'r'); const out = await open(temp, 'wx');
  try {
    const bufs = Array.from({ length: depth }, () => Buffer.allocUnsafe(chunk));
    const writes = new Array(depth).fill(undefined); let i = 0; let pos = 0; let lastSync = 0; let syncing = Promise.resolve();
    let reading = input.read(bufs[0], 0, chunk, null);
    for (;;) {
      const { bytesRead, buffer } = await reading; if (!bytesRead) break;
      const nextSlot = (i + 1) % depth;
      if (writes[nextSlot]) await writes[nextSlot];
      reading = input.read(bufs[nextSlot], 0, chunk, null);
      const part = buffer.subarray(0, bytesRead);
      writes[i % depth] = out.write(part, 0, bytesRead, pos);
      h.update(part);
      pos += bytesRead; i = nextSlot;
      if (syncEvery && pos - lastSync >= syncEvery) { await syncing; lastSync = pos; syncing = out.datasync(); }
    }
    await Promise.all(writes); await syncing; await out.datasync(); return h.digest('hex');
  } finally { await input.close(); await out.close(); }
}
const variants = {
  A: (t) => A(t), C: (t) => C(t),
  B4x2: (t) => B(t, 4 * MiB, 2), B8x2: (t) => B(t, 8 * MiB, 2), B8x3: (t) => B(t, 8 * MiB, 3), B4x4: (t) => B(t, 4 * MiB, 4), B16x2: (t) => B(t, 16 * MiB, 2),
  B8x3s: (t) => B(t, 8 * MiB, 3, 128 * MiB),
  P4: () => hashFile(src, 4 * MiB), P8: () => hashFile(src, 8 * MiB), P16: () => hashFile(src, 16 * MiB),
};
const temp = `${dir}/${randomUUID()}.part`;
const l0 = loadavg()[0]; const c0 = process.cpuUsage(); const t0 = process.hrtime.bigint();
const d = await variants[which](temp);
const s = Number(process.hrtime.bigint() - t0) / 1e9; const c = process.cpuUsage(c0);
await rm(temp, { force: true });
console.log(`${which.padEnd(6)} ${s.toFixed(2).padStart(6)} s wall ${((c.user + c.system) / 1e6).toFixed(2).padStart(5)} s cpu (user ${(c.user/1e6).toFixed(2)} sys ${(c.system/1e6).toFixed(2)})  rss ${(process.resourceUsage().maxRSS/1024).toFixed(0)} MB  load ${l0.toFixed(1)}  ${d.slice(0, 8)}`);
