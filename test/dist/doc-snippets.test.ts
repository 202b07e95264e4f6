// Every ```ts block of README.md and docs/ compiles against the built package, as in a user's
// project (scripts/doc-snippets.mjs); `npm test` builds first.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { checkDocSnippets } from '../../scripts/doc-snippets.mjs';

type Check = (files?: string[]) => { checked: number; fragments: number; errors: string[] };
const check = checkDocSnippets as Check;

describe('doc snippets', () => {
  it('type-check against the built package', { timeout: 120_000 }, () => {
    const { checked, errors } = check();
    expect(errors).toEqual([]);
    expect(checked).toBeGreaterThan(25);
  });

  it('an unknown name, a wrong type or a missing export fails, a fragment is left out', { timeout: 120_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'exptrack-snippet-check-'));
    const doc = join(dir, 'doc.md');
    writeFileSync(
      doc,
      [
        '```ts', "import { ExperimentTracker } from 'exptrack';", "new ExperimentTracker({ strict: 'yes' });", '```',
        '```ts', "import { noSuchExport } from 'exptrack/analysis';", '```',
        '```ts', 'undefinedName.call();', '```',
        '```ts fragment', 'this is not TypeScript', '```',
      ].join('\n'),
    );
    const { checked, fragments, errors } = check([doc]);
    expect({ checked, fragments }).toEqual({ checked: 3, fragments: 1 });
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/doc\.md:3: Type 'string' is not assignable to type 'boolean/);
    expect(errors[1]).toMatch(/doc\.md:6: Module '"exptrack\/analysis"' has no exported member 'noSuchExport'/);
    expect(errors[2]).toMatch(/doc\.md:9: Cannot find name 'undefinedName'/);
  });
});
