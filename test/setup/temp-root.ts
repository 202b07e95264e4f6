// Every temporary folder the tests make (theirs and their child processes') goes into one folder
// that is removed when the run ends: TMPDIR is set before the test processes start, so os.tmpdir()
// returns it everywhere, and nothing is left behind in the system's temp directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'exptrack-test-run-'));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
