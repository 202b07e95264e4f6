/**
 * Type-checks every ```ts block of README.md and docs/*.md against the built package, as a user's
 * project would compile it (`import … from 'exptrack'` resolves through node_modules/exptrack →
 * this package's "exports" → dist/*.d.ts). A block opened with ```ts fragment is left out (a piece of
 * a larger program); use it sparingly. Names a snippet uses without defining them must be declared
 * in scripts/doc-snippets-prelude.d.ts.
 *
 * Usage: node scripts/doc-snippets.mjs   (after npm run build). Prints one line per error and a
 * count; exits 1 on any error.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..');

/** The ```ts blocks of a Markdown file, with the line each starts on. */
export function tsBlocks(text) {
  const blocks = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)(\s+fragment)?\s*$/.exec(lines[i]);
    if (open === null) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n'), fragment: open[2] !== undefined });
    i = end;
  }
  return blocks;
}

/** README.md and every Markdown file of docs/, relative to the package root. */
export function docFiles() {
  return ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
}

/**
 * Type-checks the ```ts blocks of Markdown files.
 * @param files - paths relative to the package root, or absolute
 * @returns how many blocks were checked, how many fragments left out, and the errors as `file:line: message`
 */
export function checkDocSnippets(files = docFiles()) {
  const project = mkdtempSync(join(tmpdir(), 'exptrack-snippets-'));
  try {
    mkdirSync(join(project, 'node_modules', '@types'), { recursive: true });
    symlinkSync(root, join(project, 'node_modules', 'exptrack'), 'dir');
    symlinkSync(join(root, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'), 'dir');
    copyFileSync(join(root, 'scripts', 'doc-snippets-prelude.d.ts'), join(project, 'prelude.d.ts'));
    writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
    const sources = new Map();
    let fragments = 0;
    for (const file of files) {
      for (const block of tsBlocks(readFileSync(isAbsolute(file) ? file : join(root, file), 'utf8'))) {
        if (block.fragment) {
          fragments++;
          continue;
        }
        const name = join(project, `${relative(root, join(root, file)).replace(/\W/g, '_')}_${block.line}.ts`);
        // Each block is a module of its own (top-level await, its own names).
        writeFileSync(name, `${block.code}\nexport {};\n`);
        sources.set(name, { file, line: block.line });
      }
    }
    const program = ts.createProgram([...sources.keys(), join(project, 'prelude.d.ts')], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      noUnusedLocals: false,
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file === undefined ? undefined : sources.get(d.file.fileName);
      const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
      if (d.file === undefined || d.start === undefined) return text;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      return where === undefined ? `${relative(project, d.file.fileName)}:${line + 1}: ${text}` : `${where.file}:${where.line + line}: ${text}`;
    });
    return { checked: sources.size, fragments, errors };
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { checked, fragments, errors } = checkDocSnippets();
  for (const e of errors) console.error(e);
  console.log(`doc snippets: ${checked} type-checked, ${fragments} fragments left out, ${errors.length} errors`);
  process.exit(errors.length === 0 ? 0 : 1);
}
