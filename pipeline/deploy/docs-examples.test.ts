/**
 * The files of docs/examples stay true: every example config loads, and the GitHub App manifest
 * shown in docs/github.md (docs/examples/github-app-manifest.json) asks for exactly what app.yml,
 * the app's own manifest, asks for — with the by-hand table naming the same permissions and events.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../mongo/embedded.ts';
import { parseConfigText } from '../config/load.ts';
import { Command } from 'commander';
import { commandEntries, type CommandModule } from '../cli/commands/index.ts';
import { answersFrom, defaultsFor, planInit } from '../init/init.ts';

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

describe('docs/getting-started.md', () => {
  const doc = read('docs/getting-started.md');
  const blocks = (lang: string) => [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] as string);

  it('its local config, smoke suite and load profile are what Shipgate accepts', () => {
    const [local, railway] = blocks('yaml');
    expect(() => parseConfigText(local ?? '', 'getting-started part 1')).not.toThrow();
    const withIds = `app: { name: widgets, start: node server.js }\n${(railway ?? '').replaceAll('<project id>', '3f2b9c1e-8a4d-4f6b-9e2a-1c5d7b8a9f01')}people: [{ name: ana }]\napproval: { approvers: [ana] }\n`;
    expect(() => parseConfigText(withIds, 'getting-started part 2')).not.toThrow();
    expect(() => parseConfigText(withIds.replace(/projectId: [\w-]+, /g, ''), 'no projectId')).toThrow(/is a service name, not a Railway id/);
  });

  it('shows the config and the files `shipgate init` writes for the flags it gives', () => {
    const root = mkdtempSync(join(tmpdir(), 'sg-getting-started-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'widgets', version: '1.0.0', type: 'module' }));
    const flags = /npx shipgate init --yes --start "node server.js" --people dev,ana --approvers ana\n/;
    expect(doc).toMatch(flags);
    const plan = planInit({ root }, answersFrom({ start: 'node server.js', people: 'dev,ana', approvers: 'ana' }, defaultsFor(root)));
    const config = plan.files.find((f) => f.path === '.github/shipgate.yml')!.content;
    expect(parse(blocks('yaml')[0] ?? '')).toEqual(parse(config));
    const wrote = /Wrote in [^\n]*\n((?: {2}\S+\n)+)/.exec(doc)?.[1] ?? '';
    expect(wrote.trim().split(/\s+/)).toEqual(plan.files.map((f) => f.path));
  });

  it('every `npx shipgate …` line names a command, subcommand and options the CLI has', async () => {
    const program = new Command();
    const loaded = new Set<() => Promise<CommandModule>>();
    for (const e of commandEntries) {
      if (loaded.has(e.load)) continue;
      loaded.add(e.load);
      (await e.load()).register(program);
    }
    const lines = [...doc.matchAll(/^(?:.*&& )?npx shipgate ([^#\n]*)/gm)].map((m) => (m[1] as string).trim());
    expect(lines.length).toBeGreaterThan(6);
    for (const line of lines) {
      const words = line.split(/\s+/);
      let cmd = program.commands.find((c) => c.name() === words[0]);
      expect(cmd, line).toBeDefined();
      const sub = cmd!.commands.find((c) => c.name() === words[1]);
      if (sub) cmd = sub;
      for (const flag of words.filter((w) => w.startsWith('--'))) expect(cmd!.options.map((o) => o.long), `${flag} in "${line}"`).toContain(flag);
    }
  });
});

