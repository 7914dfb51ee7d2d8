/**
 * The second argument of up/down/verify. It is Shipgate's ctx (id, mode, log, signal) and, for
 * migrations written the migrate-mongo way (`async up(db, client)`), it also answers the client
 * calls such code makes — client.db(), client.startSession(), client.withSession() — and carries
 * the client itself as ctx.client. During `migrate plan` that client is the plan sandbox's.
 */
import type { Db, MongoClient } from 'mongodb';
import type { MigrationContext } from './types.ts';

export type ContextFields = Pick<MigrationContext, 'id' | 'mode' | 'log'> & { releaseId?: string | undefined; signal?: AbortSignal | undefined };

/**
 * @param dbFor where client.db(name) leads; default the client's own db(). Rehearsals pass one that
 *   turns the target's name (and no name) into the scratch database.
 */
export function migrationContext(fields: ContextFields, client: MongoClient, dbFor?: (name?: string) => Db): MigrationContext {
  const ctx: MigrationContext = {
    id: fields.id,
    mode: fields.mode,
    log: fields.log,
    client,
    db: ((name?: string, options?: never) => (dbFor ? dbFor(name) : client.db(name, options))) as MongoClient['db'],
    startSession: ((options?: never) => client.startSession(options)) as MongoClient['startSession'],
    withSession: ((...args: unknown[]) => (client.withSession as (...a: unknown[]) => unknown).apply(client, args)) as MongoClient['withSession'],
  };
  if (fields.releaseId !== undefined) ctx.releaseId = fields.releaseId;
  if (fields.signal !== undefined) ctx.signal = fields.signal;
  return ctx;
}
