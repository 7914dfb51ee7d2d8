/**
 * The database a migration sees during `migrate plan`: reads pass through to the real database,
 * writes are counted (documents matched by each filter, documents inserted, indexes, renames,
 * drops) instead of executed. Anything it cannot classify as a read or a write throws (fail
 * closed). The plan is marked approximate when a migration reads — or counts a filter on — a
 * collection after a write to it was recorded, since that write did not really happen.
 */
import { ObjectId, type Collection, type Db, type Document } from 'mongodb';
import { migrateErrors } from './errors.ts';

export interface PlannedWrite {
  collection: string;
  op: string;
  /** Documents the write would touch (matched, inserted, dropped); null for index operations. */
  matched: number | null;
  detail: string;
  risky: boolean;
}

export interface RecordingSession {
  readonly db: Db;
  /** Start recording a new migration (writes and approximations are attributed to it). */
  begin(id: string): void;
  readonly writes: PlannedWrite[];
  readonly approximateReasons: string[];
}

const COLLECTION_READS = new Set([
  'find', 'findOne', 'countDocuments', 'estimatedDocumentCount', 'count', 'distinct', 'indexes', 'indexExists',
  'indexInformation', 'listIndexes', 'listSearchIndexes', 'options', 'isCapped', 'watch',
]);
const DB_READS = new Set(['listCollections', 'indexInformation', 'stats', 'profilingLevel', 'aggregate']);
const READ_COMMANDS = new Set(['ping', 'dbstats', 'collstats', 'listcollections', 'listindexes', 'count', 'distinct', 'buildinfo', 'hello', 'ismaster', 'serverstatus', 'find']);
const PASS = (prop: string | symbol, target: object) => typeof prop === 'symbol' || prop in Object.prototype || typeof (target as Record<string, unknown>)[prop] !== 'function';

export function indexName(keys: Document | string, options?: { name?: string }): string {
  if (options?.name) return options.name;
  if (typeof keys === 'string') return `${keys}_1`;
  return Object.entries(keys).map(([k, v]) => `${k}_${String(v)}`).join('_');
}

/** What a recorded write may change: the top-level fields it sets, or null for "anything" (inserts, deletes, replacements…). */
interface Effect {
  fields: string[] | null;
}

function filterFields(filter: Document, out = new Set<string>()): Set<string> {
  for (const [k, v] of Object.entries(filter)) {
    if (k.startsWith('$')) {
      if (Array.isArray(v)) for (const sub of v) if (sub && typeof sub === 'object') filterFields(sub as Document, out);
    } else out.add(k.split('.')[0] as string);
  }
  return out;
}

function updateFields(update: unknown): string[] | null {
  if (!update || typeof update !== 'object' || Array.isArray(update)) return null;
  const out: string[] = [];
  for (const [op, spec] of Object.entries(update as Document)) {
    if (!op.startsWith('$') || !spec || typeof spec !== 'object') return null;
    for (const [field, value] of Object.entries(spec as Document)) {
      out.push(field.split('.')[0] as string);
      if (op === '$rename' && typeof value === 'string') out.push(value.split('.')[0] as string);
    }
  }
  return out;
}

const isEmpty = (filter: unknown) => !filter || (typeof filter === 'object' && Object.keys(filter as object).length === 0);
const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

export function createRecordingDb(real: Db): RecordingSession {
  const writes: PlannedWrite[] = [];
  const approximateReasons: string[] = [];
  const written = new Map<string, Effect[]>();
  let current = '(migration)';

  const unsupported = (method: string) => () => {
    throw migrateErrors.SHIPGATE_PLAN_UNSUPPORTED_OP({ id: current, method });
  };
  const approximate = (coll: string, what: string) => {
    const reason = `${current} ${what} ${coll} after a recorded write to it`;
    if (!approximateReasons.includes(reason)) approximateReasons.push(reason);
  };
  /** A plain read of a collection with recorded writes: what it returns may differ once the writes are real. */
  const touched = (coll: string, what: string) => {
    if (written.has(coll)) approximate(coll, what);
  };
  const record = (w: PlannedWrite, effect: Effect | 'none' = { fields: null }) => {
    writes.push(w);
    if (effect === 'none') return;
    const list = written.get(w.collection) ?? [];
    list.push(effect);
    written.set(w.collection, list);
  };
  /** Counting a filter is exact unless an earlier recorded write could change which documents it matches. */
  const count = async (coll: string, filter: Document | undefined) => {
    const fields = filterFields(filter ?? {});
    if ((written.get(coll) ?? []).some((e) => e.fields === null || e.fields.some((f) => fields.has(f)))) approximate(coll, 'counts a filter on');
    return real.collection(coll).countDocuments(filter ?? {});
  };

  function wrapCollection(name: string): Collection {
    const raw = real.collection(name);
    const updateLike = (op: string, one: boolean) => async (filter: Document, update: unknown, options?: { upsert?: boolean }) => {
      const n = Math.min(one ? 1 : Number.MAX_SAFE_INTEGER, await count(name, filter));
      const upsert = n === 0 && options?.upsert === true;
      record(
        { collection: name, op, matched: upsert ? 1 : n, detail: upsert ? 'upsert: would insert 1 document' : `would modify up to ${plural(n, 'document')}`, risky: false },
        { fields: op === 'replaceOne' || options?.upsert ? null : updateFields(update) },
      );
      return { acknowledged: true, matchedCount: n, modifiedCount: n, upsertedCount: upsert ? 1 : 0, upsertedId: upsert ? new ObjectId() : null };
    };
    const deleteLike = (op: string, one: boolean) => async (filter?: Document) => {
      const n = Math.min(one ? 1 : Number.MAX_SAFE_INTEGER, await count(name, filter));
      const all = !one && isEmpty(filter);
      record({ collection: name, op, matched: n, detail: all ? `deletes every document (${n}): no filter` : `would delete ${plural(n, 'document')}`, risky: all });
      return { acknowledged: true, deletedCount: n };
    };
    const findAndModify = (op: string) => async (filter: Document, ...rest: unknown[]) => {
      touched(name, 'reads');
      const opts = (op === 'findOneAndDelete' ? rest[0] : rest[1]) as { sort?: Document; upsert?: boolean } | undefined;
      const doc = await raw.findOne(filter, opts?.sort ? { sort: opts.sort } : {});
      const upsert = !doc && opts?.upsert === true && op !== 'findOneAndDelete';
      record({ collection: name, op, matched: doc || upsert ? 1 : 0, detail: upsert ? 'upsert: would insert 1 document' : doc ? 'would modify 1 document' : 'matches no document', risky: false });
      return doc;
    };
    const handlers: Record<string, (...args: never[]) => unknown> = {
      insertOne: async (doc: Document) => {
        record({ collection: name, op: 'insertOne', matched: 1, detail: 'would insert 1 document', risky: false });
        return { acknowledged: true, insertedId: doc?._id ?? new ObjectId() };
      },
      insertMany: async (docs: Document[]) => {
        record({ collection: name, op: 'insertMany', matched: docs.length, detail: `would insert ${plural(docs.length, 'document')}`, risky: false });
        return { acknowledged: true, insertedCount: docs.length, insertedIds: Object.fromEntries(docs.map((d, i) => [i, d._id ?? new ObjectId()])) };
      },
      updateOne: updateLike('updateOne', true),
      updateMany: updateLike('updateMany', false),
      replaceOne: updateLike('replaceOne', true),
      deleteOne: deleteLike('deleteOne', true),
      deleteMany: deleteLike('deleteMany', false),
      findOneAndUpdate: findAndModify('findOneAndUpdate'),
      findOneAndReplace: findAndModify('findOneAndReplace'),
      findOneAndDelete: findAndModify('findOneAndDelete'),
      bulkWrite: async (ops: Document[]) => {
        const sums = { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0 };
        for (const op of ops) {
          const [kind, spec] = Object.entries(op)[0] ?? [];
          const s = (spec ?? {}) as Document;
          if (kind === 'insertOne') sums.insertedCount += (await handlers.insertOne!(s.document as never)) ? 1 : 0;
          else if (kind === 'updateOne' || kind === 'updateMany' || kind === 'replaceOne') {
            const r = (await handlers[kind]!(s.filter as never, (s.update ?? s.replacement) as never, { upsert: s.upsert } as never)) as Document;
            sums.matchedCount += r.matchedCount as number;
            sums.modifiedCount += r.modifiedCount as number;
            sums.upsertedCount += r.upsertedCount as number;
          } else if (kind === 'deleteOne' || kind === 'deleteMany') {
            sums.deletedCount += ((await handlers[kind]!(s.filter as never)) as Document).deletedCount as number;
          } else unsupported(`bulkWrite ${kind ?? '(empty)'}`)();
        }
        return { ok: 1, ...sums, insertedIds: {}, upsertedIds: {} };
      },
      createIndex: async (keys: Document, options?: { name?: string; unique?: boolean }) => {
        const idx = indexName(keys, options);
        record({ collection: name, op: 'createIndex', matched: null, detail: `create index ${idx}${options?.unique ? ' (unique)' : ''}`, risky: false }, 'none');
        return idx;
      },
      createIndexes: async (specs: Array<{ key: Document; name?: string; unique?: boolean }>) => {
        const names: string[] = [];
        for (const s of specs) names.push((await handlers.createIndex!(s.key as never, s as never)) as string);
        return names;
      },
      dropIndex: async (idx: string | Document) => {
        const n = typeof idx === 'string' ? idx : indexName(idx);
        record({ collection: name, op: 'dropIndex', matched: null, detail: `drop index ${n}`, risky: false }, 'none');
        return { ok: 1 };
      },
      dropIndexes: async () => {
        record({ collection: name, op: 'dropIndexes', matched: null, detail: 'drop every index except _id_', risky: false }, 'none');
        return true;
      },
      drop: async () => {
        const n = await count(name, {});
        record({ collection: name, op: 'drop', matched: n, detail: `drops the collection (${plural(n, 'document')})`, risky: true });
        return true;
      },
      rename: async (to: string) => {
        const n = await count(name, {});
        record({ collection: name, op: 'rename', matched: n, detail: `renames to ${to} (${plural(n, 'document')})`, risky: true });
        record({ collection: to, op: 'rename-into', matched: n, detail: `receives ${name}`, risky: false });
        writes.pop();
        return wrapCollection(to);
      },
      aggregate: (pipeline: Document[] = [], options?: Document) => {
        if (pipeline.some((s) => '$out' in s || '$merge' in s)) unsupported('aggregate with $out/$merge')();
        touched(name, 'reads');
        return raw.aggregate(pipeline, options);
      },
    };
    return new Proxy(raw, {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && prop in handlers) return handlers[prop];
        if (PASS(prop, target)) return Reflect.get(target, prop, receiver);
        const p = prop as string;
        if (COLLECTION_READS.has(p)) {
          return (...args: unknown[]) => {
            touched(name, 'reads');
            return (target as unknown as Record<string, (...a: unknown[]) => unknown>)[p]!(...args);
          };
        }
        return unsupported(`collection.${p}`);
      },
    });
  }

  const dbHandlers: Record<string, (...args: never[]) => unknown> = {
    collection: (name: string) => wrapCollection(name),
    createCollection: async (name: string) => {
      record({ collection: name, op: 'createCollection', matched: null, detail: 'create collection', risky: false }, 'none');
      return wrapCollection(name);
    },
    dropCollection: async (name: string) => wrapCollection(name).drop(),
    renameCollection: async (from: string, to: string) => wrapCollection(from).rename(to),
    createIndex: async (coll: string, keys: Document, options?: Document) => wrapCollection(coll).createIndex(keys, options),
    collections: async () => (await real.listCollections({}, { nameOnly: true }).toArray()).map((c) => wrapCollection(c.name)),
    dropDatabase: async () => {
      for (const c of await real.listCollections({}, { nameOnly: true }).toArray()) await wrapCollection(c.name).drop();
      return true;
    },
    command: async (cmd: Document, options?: Document) => {
      const name = Object.keys(cmd)[0]?.toLowerCase() ?? '';
      if (!READ_COMMANDS.has(name)) unsupported(`db.command(${Object.keys(cmd)[0] ?? ''})`)();
      return real.command(cmd, options);
    },
  };
  const db = new Proxy(real, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in dbHandlers) return dbHandlers[prop];
      if (PASS(prop, target)) return Reflect.get(target, prop, receiver);
      if (DB_READS.has(prop as string)) return (target as unknown as Record<string, (...a: unknown[]) => unknown>)[prop as string]!.bind(target);
      return unsupported(`db.${String(prop)}`);
    },
  });
  return {
    db,
    writes,
    approximateReasons,
    begin(id: string) {
      current = id;
      writes.length = 0;
    },
  };
}
