import { describe, expect, it } from 'vitest';
import { ObjectId } from 'mongodb';
import { useTestDatabase } from '../testing/mongo.ts';
import { applyMigrations } from './apply.ts';
import { planMigrations } from './plan.ts';
import { migrationStatus } from './status.ts';
import { openMigrationTarget } from './target.ts';
import { js, migrationDir } from './test-helpers.ts';

const t = useTestDatabase('status');

describe('migrate status with foreign changelog documents', () => {
  it('reports documents whose _id is not a migration id, and every command still works', async () => {
    const dbName = t.freshName('fo');
    const dir = await migrationDir({ '0001-a.js': js.insert('a', 1), '0002-b.js': js.insert('b', 2) });
    const target = openMigrationTarget({ client: t.client, dbName, dir });
    expect((await applyMigrations(target, { actor: 'tester' })).applied.map((a) => a.id)).toEqual(['0001-a', '0002-b']);
    await writeForeign(dbName);
    // A third migration, planned and applied with the foreign documents in the changelog.
    const dir2 = await migrationDir({ '0001-a.js': js.insert('a', 1), '0002-b.js': js.insert('b', 2), '0003-c.js': js.insert('c', 3) });
    const target2 = openMigrationTarget({ client: t.client, dbName, dir: dir2 });

    const s = await migrationStatus(target2);
    expect(s.entries.map((e) => [e.id, e.state])).toEqual([['0001-a', 'applied'], ['0002-b', 'applied'], ['0003-c', 'pending']]);
    expect(s.foreign.map((f) => f.id)).toEqual(expect.arrayContaining(['42', '{"$oid":"0123456789abcdef01234567"}', 'lock', '3.5']));
    expect(s.foreign.find((f) => f.id === '42')?.problem).toBe('_id is a number, not a migration id such as 0001-add-index');
    expect(s.foreign.find((f) => f.id === 'lock')?.problem).toBe('_id is not a migration id (NNNN-name)');

    const lines: string[] = [];
    const plan = await planMigrations(target2, { progress: (l) => lines.push(l) });
    expect(plan.pending.map((p) => p.id)).toEqual(['0003-c']);
    expect(lines.filter((l) => l.startsWith('warning: shipgate_migrations holds a document that is not a Shipgate migration entry (_id 42)'))).toHaveLength(1);
    const report = await applyMigrations(target2, { actor: 'tester' });
    expect(report.applied.map((a) => a.id)).toEqual(['0003-c']);
    expect(await t.client.db(dbName).collection('shipgate_migrations').countDocuments()).toBe(3 + 4);
  });
});

async function writeForeign(dbName: string): Promise<void> {
  const coll = t.client.db(dbName).collection<{ _id: unknown }>('shipgate_migrations');
  await coll.insertMany([{ _id: 42 }, { _id: new ObjectId('0123456789abcdef01234567'), name: 'from another tool' }, { _id: 'lock', owner: 'x' }, { _id: 3.5 }] as never);
}
