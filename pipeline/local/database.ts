/**
 * The local release's database: one embedded FerretDB under <stateDir>/db, started detached on
 * first use and left running (like the local apps) until `npm stop`. It holds the release store
 * and the local environments' databases. Its pid and port are kept in <stateDir>/database.json.
 */
import { mkdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startEmbeddedMongo, freePort } from '../mongo/embedded.ts';
import { isPidAlive, portAccepts, stopProcessGroup } from './process-group.ts';

export interface LocalDatabaseRecord {
  pid: number;
  port: number;
  dataDir: string;
  startedAt: string;
}

const recordFile = (stateDir: string) => join(stateDir, 'database.json');

async function readRecord(stateDir: string): Promise<LocalDatabaseRecord | null> {
  try {
    return JSON.parse(await readFile(recordFile(stateDir), 'utf8')) as LocalDatabaseRecord;
  } catch {
    return null;
  }
}

async function writeRecord(stateDir: string, rec: LocalDatabaseRecord): Promise<void> {
  const tmp = `${recordFile(stateDir)}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify(rec, null, 2));
  await rename(tmp, recordFile(stateDir));
}

/** The running local database, started if needed. `started` says whether this call started it. */
export async function ensureLocalDatabase(stateDir: string): Promise<{ uri: string; started: boolean; record: LocalDatabaseRecord }> {
  await mkdir(stateDir, { recursive: true });
  const rec = await readRecord(stateDir);
  if (rec && isPidAlive(rec.pid) && (await portAccepts(rec.port))) {
    return { uri: `mongodb://127.0.0.1:${rec.port}/`, started: false, record: rec };
  }
  const dataDir = join(stateDir, 'db');
  const port = rec && !(await portAccepts(rec.port)) ? rec.port : await freePort();
  const server = await startEmbeddedMongo({ dataDir, port, tieToParent: false, logFile: join(stateDir, 'ferretdb.log') });
  const record: LocalDatabaseRecord = { pid: server.pid, port: server.port, dataDir, startedAt: new Date().toISOString() };
  await writeRecord(stateDir, record);
  return { uri: server.uri, started: true, record };
}

/** Stops the local database if it runs; keeps its data unless `wipe`. */
export async function stopLocalDatabase(stateDir: string, opts: { wipe?: boolean } = {}): Promise<boolean> {
  const rec = await readRecord(stateDir);
  let stopped = false;
  if (rec && isPidAlive(rec.pid)) {
    await stopProcessGroup(rec.pid);
    stopped = true;
  }
  await rm(recordFile(stateDir), { force: true });
  if (opts.wipe) await rm(join(stateDir, 'db'), { recursive: true, force: true });
  return stopped;
}
