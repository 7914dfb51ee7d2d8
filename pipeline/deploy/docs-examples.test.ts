/**
 * The files of docs/examples stay true: every example config loads, and the GitHub App manifest
 * shown in docs/github.md (docs/examples/github-app-manifest.json) asks for exactly what app.yml,
 * the app's own manifest, asks for — with the by-hand table naming the same permissions and events.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../mongo/embedded.ts';
import { parseConfigText } from '../config/load.ts';

const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');

describe('docs/examples', () => {
  it('every docs/examples/*.yml is a valid config', () => {
    const files = readdirSync(join(repoRoot, 'docs/examples')).filter((f) => f.endsWith('.yml'));
    expect(files).toEqual(expect.arrayContaining(['railway-cloudflare.yml', 'railway-single-service.yml']));
    for (const f of files) expect(() => parseConfigText(read(`docs/examples/${f}`), f), f).not.toThrow();
  });

  it('the manifest JSON equals app.yml but for the two URLs the user fills in, and docs/github.md shows it', () => {
    const app = parse(read('app.yml')) as Record<string, unknown>;
    const json = JSON.parse(read('docs/examples/github-app-manifest.json')) as Record<string, unknown>;
    expect(json).toEqual({
      ...app,
      hook_attributes: { url: 'https://<your bot host>/api/github/webhooks' },
      redirect_url: 'https://<your bot host>/healthz',
    });
    const doc = read('docs/github.md');
    const section = doc.slice(doc.indexOf('### 1. Create the GitHub App'), doc.indexOf('### 2. '));
    const block = /```json\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    expect(JSON.parse(block)).toEqual(json);
    // The manifest flow as GitHub runs it: a browser POST of a `manifest` field, then the code exchange.
    expect(section).toContain('<form action="https://github.com/settings/apps/new?state=shipgate" method="post">');
    expect(section).toContain('name="manifest"');
    expect(section).toContain('POST https://api.github.com/app-manifests/<code>/conversions');
  });

  it('the by-hand table names the manifest permissions and events', () => {
    const app = parse(read('app.yml')) as { default_events: string[]; default_permissions: Record<string, 'read' | 'write'> };
    const doc = read('docs/github.md');
    const table = doc.slice(doc.indexOf('By hand, exactly:'), doc.indexOf('### 2. '));
    const human = (s: string) => s.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());
    for (const e of app.default_events) expect(table).toContain(`**${human(e)}**`);
    for (const [perm, level] of Object.entries(app.default_permissions))
      expect(table).toMatch(new RegExp(`${human(perm)}: ${level === 'write' ? 'Read & write' : 'Read'}`));
  });
});
