// Checks (or with --local, updates) the committed API report of every public subpath, one
// api-extractor run per entry of package.json "exports". CI fails when a report changed unreviewed.
import { readFileSync } from 'node:fs';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const local = process.argv.includes('--local');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const base = ExtractorConfig.loadFile('api-extractor.json');
let failed = 0;
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target === 'string') continue; // ./package.json
  const name = subpath === '.' ? 'exptrack' : `exptrack-${subpath.slice(2)}`;
  const config = ExtractorConfig.prepare({
    configObject: { ...base, mainEntryPointFilePath: target.import.types.replace('./', '<projectFolder>/'), apiReport: { ...base.apiReport, reportFileName: `${name}.api.md` } },
    configObjectFullPath: `${process.cwd()}/api-extractor.json`,
    packageJsonFullPath: `${process.cwd()}/package.json`,
  });
  const result = Extractor.invoke(config, {
    localBuild: local,
    showVerboseMessages: false,
    messageCallback: (message) => {
      // Only what would change the report matters here; TSDoc style is checked by tsc and review.
      if (message.logLevel === 'warning') message.handled = true;
    },
  });
  const status = result.apiReportChanged ? (local ? 'updated' : 'CHANGED (run npm run api:update and review the diff)') : 'unchanged';
  console.log(`${name}: ${status}${result.warningCount > 0 ? ` (${result.warningCount} TSDoc warnings)` : ''}`);
  // Warnings (TSDoc style) are shown, not fatal; an error or an unreviewed change of the API is.
  if (result.errorCount > 0 || (!local && result.apiReportChanged)) failed++;
}
process.exit(failed === 0 ? 0 : 1);
