/** app.yml asks for exactly what the app uses: the events it listens to, the permissions its calls need. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../../pipeline/mongo/embedded.ts';

it('subscribes to exactly the events the app handles, with the permissions its REST calls need', async () => {
  const manifest = parse(await readFile(join(repoRoot, 'app.yml'), 'utf8')) as { default_events: string[]; default_permissions: Record<string, string>; hook_attributes: { url: string } };
  const source = await readFile(join(repoRoot, 'bot/github/app.ts'), 'utf8');
  const handled = [...source.matchAll(/app\.on\('([a-z_]+)/g)].map((m) => m[1]).sort();
  expect([...manifest.default_events].sort()).toEqual(handled);
  // POST …/actions/workflows/{id}/dispatches and GET …/actions/runs/{id}: actions; POST …/deployment_protection_rule: deployments.
  expect(manifest.default_permissions).toEqual({ actions: 'write', deployments: 'write', metadata: 'read' });
  expect(manifest.hook_attributes.url).toMatch(/\/api\/github\/webhooks$/);
});
