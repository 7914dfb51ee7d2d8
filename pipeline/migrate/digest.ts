/** The plan digest: binds approvals to exactly (target, pending ids, checksums). Small on purpose: apply loads it without the plan sandbox. */
import { sha256 } from './discover.ts';
import type { MigrationTarget } from './target.ts';
import type { MigrationFile } from './types.ts';

export function planDigest(target: Pick<MigrationTarget, 'label' | 'dbName'>, pending: ReadonlyArray<Pick<MigrationFile, 'id' | 'checksum'>>): string {
  return sha256(JSON.stringify({ target: { label: target.label, db: target.dbName }, pending: pending.map((p) => [p.id, p.checksum]) }));
}
