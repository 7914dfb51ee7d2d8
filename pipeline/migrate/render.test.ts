/** Golden files for what people read: the plan as a terminal table and as markdown (PR checks, Slack). UPDATE_GOLDEN=1 rewrites them. */
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Plan } from './plan.ts';
import { renderPlanMarkdown, renderPlanTable } from './render.ts';

const plan: Plan = {
  target: { label: 'production', db: 'notes' },
  pending: [
    { id: '0001-notes-created-at-index', checksum: 'a'.repeat(64), description: 'Index notes', irreversible: false, breaking: false, hasDown: true, writes: [
      { collection: 'notes', op: 'createIndex', matched: null, detail: 'create index notes_createdAt_desc', risky: false },
    ] },
    { id: '0002-merge-legacy-memos', checksum: 'b'.repeat(64), description: 'Merge memos', irreversible: true, breaking: false, hasDown: false, writes: [
      { collection: 'notes', op: 'insertMany', matched: 1200, detail: 'would insert 1200 documents (24 calls)', risky: false },
      { collection: 'memos', op: 'drop', matched: 1200, detail: 'drops the collection (1200 documents)', risky: true },
    ] },
    { id: '0003-noop', checksum: 'c'.repeat(64), description: '', irreversible: false, breaking: true, hasDown: false, writes: [] },
  ],
  approximate: true,
  approximateReasons: ['0002-merge-legacy-memos reads notes after a recorded write to it'],
  digest: 'd'.repeat(64),
  risks: ['0002-merge-legacy-memos: drop on memos — drops the collection (1200 documents)', '0002-merge-legacy-memos is irreversible: no way back except the backup'],
  createdAt: '2026-11-30T09:00:00.000Z',
};

async function golden(name: string, actual: string): Promise<void> {
  const file = new URL(`./golden/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN) await writeFile(file, actual);
  expect(actual).toBe(await readFile(file, 'utf8'));
}

describe('plan renderers (golden)', () => {
  it('terminal table', async () => golden('plan.txt', renderPlanTable(plan)));
  it('markdown', async () => golden('plan.md', renderPlanMarkdown(plan)));
  it('no pending migrations', () => {
    expect(renderPlanTable({ ...plan, pending: [], approximate: false, approximateReasons: [], risks: [] })).toBe(`No pending migrations for production (notes).\n\ndigest ${'d'.repeat(64)}`);
  });
});
