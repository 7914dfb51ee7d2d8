/** Keeps docs/configuration.md true to the code: its example is valid and its error sample is what the code prints. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { presentError } from '../errors.ts';
import { repoRoot } from '../mongo/embedded.ts';
import { parseConfigText } from './load.ts';
import { configSchema } from './schema.ts';

const doc = readFileSync(join(repoRoot, 'docs/configuration.md'), 'utf8');
const section = (title: string) => doc.slice(doc.indexOf(`## ${title}\n`), doc.indexOf('\n## ', doc.indexOf(`## ${title}\n`) + 3));
const blocks = (text: string, lang: string) => [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] as string);

describe('docs/configuration.md', () => {
  it('shows an example that is valid and matches docs/examples/railway-cloudflare.yml', () => {
    const [example] = blocks(section('Example'), 'yaml');
    const fromDocs = parseConfigText(example ?? '', 'docs example');
    const fromFile = parseConfigText(readFileSync(join(repoRoot, 'docs/examples/railway-cloudflare.yml'), 'utf8'), 'railway-cloudflare.yml');
    expect(fromDocs).toEqual(fromFile);
  });

  it('shows the exact error output for its invalid sample', () => {
    const errors = section('Errors');
    const [yaml] = blocks(errors, 'yaml');
    const expected = /```\n(✗[\s\S]*?)```/.exec(errors)?.[1];
    let shown = '';
    try {
      parseConfigText(yaml ?? '', '.github/shipgate.yml');
    } catch (err) {
      shown = presentError(err, 'terminal');
    }
    expect(`${shown}\n`).toBe(expected);
  });

  it('names only functions that exist, in the modules it names (the "In code" paragraph)', async () => {
    const para = doc.slice(doc.indexOf('In code, '));
    const named = [...para.matchAll(/`([A-Za-z]+)\(/g)].map((m) => m[1] as string);
    expect(named).toContain('releasePath');
    const modules = await Promise.all([import('./load.ts'), import('./lookup.ts'), import('../release/approvals.ts')]);
    const exported = new Set(modules.flatMap((m) => Object.entries(m).filter(([, v]) => typeof v === 'function').map(([k]) => k)));
    expect(named.filter((n) => !exported.has(n))).toEqual([]);
    for (const file of [...para.matchAll(/`(pipeline\/[\w/.-]+\.ts)`/g)].map((m) => m[1] as string)) expect(readFileSync(join(repoRoot, file), 'utf8').length).toBeGreaterThan(0);
  });

  it('documents every top-level key and every provider', () => {
    for (const key of Object.keys(configSchema.shape)) expect(doc).toContain(`### ${key}\n`);
    for (const provider of ['process', 'railway', 'command', 'webhook', 'local', 'cloudflare']) expect(doc).toContain(`**\`${provider}\`**`);
    expect(doc).toContain('## Secrets');
    expect(doc).toContain('## Databases');
  });
});
