/**
 * Backups before apply: the collections a plan touches (plus the changelog) copied into a database
 * named after the release, with a manifest; `restoreBackup` puts them back and drops collections
 * the migrations created.
 */
import type { MongoClient } from 'mongodb';
import { copyCollections, listCopyableCollections } from './copy.ts';
import { migrateErrors } from './errors.ts';
import type { MigrationTarget } from './target.ts';
import type { MigrationProgress } from './types.ts';

export const BACKUP_MANIFEST = 'shipgate_backup';

export interface BackupManifest {
  _id: 'manifest';
  sourceDb: string;
  /** Collections copied (they existed at backup time). */
  collections: string[];
  /** Collections the plan touches that did not exist at backup time (restore drops them). */
  absent: string[];
  releaseId: string | null;
  createdAt: Date;
  createdBy: string;
}

export function backupDbName(releaseId: string | undefined, now = new Date()): string {
  const rel = (releaseId ?? 'manual').replace(/[^A-Za-z0-9]/g, '').slice(0, 24);
  return `sgbackup${rel}${now.toISOString().replace(/[^0-9]/g, '').slice(0, 14)}`;
}

export interface BackupOptions {
  collections: string[];
  releaseId?: string;
  actor: string;
  signal?: AbortSignal;
  progress?: MigrationProgress;
}

export async function backupCollections(target: MigrationTarget, opts: BackupOptions): Promise<string> {
  const name = backupDbName(opts.releaseId);
  const dest = target.client.db(name);
  const existing = new Set(await listCopyableCollections(target.db));
  const wanted = [...new Set([...opts.collections, target.changelogCollection])];
  const present = wanted.filter((c) => existing.has(c));
  opts.progress?.(`backing up ${present.join(', ') || '(nothing)'} into ${name}`);
  await copyCollections({ source: target.db, dest, collections: present, ...(opts.signal ? { signal: opts.signal } : {}) });
  const manifest: BackupManifest = {
    _id: 'manifest', sourceDb: target.dbName, collections: present, absent: wanted.filter((c) => !existing.has(c)),
    releaseId: opts.releaseId ?? null, createdAt: new Date(), createdBy: opts.actor,
  };
  await dest.collection<BackupManifest>(BACKUP_MANIFEST).insertOne(manifest);
  return name;
}

export interface RestoreOptions {
  client: MongoClient;
  backup: string;
  /** Restore into this database (default: the manifest's source database). */
  dbName?: string;
  progress?: MigrationProgress;
}

export async function restoreBackup(opts: RestoreOptions): Promise<{ dbName: string; restored: string[]; dropped: string[] }> {
  const src = opts.client.db(opts.backup);
  const manifest = await src.collection<BackupManifest>(BACKUP_MANIFEST).findOne({ _id: 'manifest' });
  if (!manifest) throw migrateErrors.SHIPGATE_BACKUP_NOT_FOUND({ backup: opts.backup });
  const dbName = opts.dbName ?? manifest.sourceDb;
  const dest = opts.client.db(dbName);
  const present = new Set(await listCopyableCollections(dest));
  const dropped: string[] = [];
  for (const name of [...manifest.collections, ...manifest.absent]) {
    if (present.has(name)) {
      await dest.collection(name).drop();
      if (manifest.absent.includes(name)) dropped.push(name);
    }
  }
  opts.progress?.(`restoring ${manifest.collections.join(', ')} into ${dbName}`);
  await copyCollections({ source: src, dest, collections: manifest.collections });
  return { dbName, restored: manifest.collections, dropped };
}
