/**
 * The plan sandbox: the database (and client) a migration sees during `migrate plan`. Deny by
 * default — every object reachable from the handle is a sandbox object of our own, never the
 * driver's: the real Db, Collection, client, cursors and sessions stay in this module's closures.
 * Each sandbox object answers only the members on its list:
 *   - reads pass through to the real driver (commands and pipelines are first re-encoded as the
 *     BSON the server would receive, then checked), and what they return is plain data or
 *     another sandbox object;
 *   - writes are recorded (documents matched by each filter, documents inserted, indexes, renames,
 *     drops) instead of executed;
 *   - anything else refuses the plan (SHIPGATE_PLAN_ESCAPE or SHIPGATE_PLAN_UNSUPPORTED_OP), and a
 *     refusal the migration caught still fails its plan.
 * The plan is marked approximate when a migration reads — or counts a filter on — a collection
 * after a write to it was recorded, since that write did not really happen.
 */
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { Duplex, Readable, Stream, Transform, Writable } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { BSON, ObjectId, type Collection, type Db, type Document, type MongoClient } from 'mongodb';
import type { ShipgateError } from '../errors.ts';
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
  /** The client a migration is given (ctx.client, db.client): only db(target), sessions. */
  readonly client: MongoClient;
  /** Start recording a new migration (writes and approximations are attributed to it). */
  begin(id: string): void;
  /** Throws the first refusal of the current migration, even if the migration caught it. */
  assertNoRefusal(): void;
  /** After the plan: every sandbox object refuses from now on (late callbacks, leaked handles). */
  close(): void;
  readonly writes: PlannedWrite[];
  readonly approximateReasons: string[];
}

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
const quote = (v: unknown) => (typeof v === 'string' ? `'${v}'` : typeof v);

/** The value as the server would receive it (toBSON hooks run, Maps become documents), decoded back without losing types. */
function asSent(value: unknown): unknown {
  const bytes = BSON.serialize({ v: value } as Document);
  return BSON.deserialize(bytes, { promoteValues: false, promoteBuffers: true, bsonRegExp: true }).v as unknown;
}

/** Any $out / $merge key anywhere in a pipeline (also inside $facet, $lookup, $unionWith). */
function writesOut(value: unknown, depth = 0): boolean {
  if (depth > 64 || !value || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => writesOut(v, depth + 1));
  if ((value as { _bsontype?: unknown })._bsontype) return false;
  return Object.entries(value as Document).some(([k, v]) => k === '$out' || k === '$merge' || writesOut(v, depth + 1));
}

const num = (v: unknown): number => Number(v as number);

/** Commands a plan may send to the server as they are: they only read. Lower case. */
const READ_COMMANDS = new Set([
  'ping', 'buildinfo', 'hello', 'ismaster', 'serverstatus', 'dbstats', 'collstats', 'listcollections', 'listindexes',
  'count', 'distinct', 'find', 'aggregate', 'connectionstatus', 'hostinfo', 'listdatabases',
]);

/** Collection methods a rehearsal executes on the scratch database (a plan records them). */
const COLLECTION_WRITES = [
  'insertOne', 'insertMany', 'updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany', 'findOneAndUpdate', 'findOneAndReplace',
  'findOneAndDelete', 'bulkWrite', 'createIndex', 'createIndexes', 'dropIndex', 'dropIndexes', 'drop', 'rename',
];

/** Write commands a rehearsal sends to the scratch database: each one names a collection of the database it runs in. Lower case. */
const EXECUTE_COMMANDS = new Set(['insert', 'update', 'delete', 'findandmodify', 'drop', 'create', 'createindexes', 'dropindexes', 'dropdatabase', 'collmod']);

/** Data the driver returns from a read: documents and BSON values, never a driver object. */
function isData(value: unknown, depth = 0): boolean {
  if (value === null || value === undefined) return true;
  const t = typeof value;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint') return true;
  if (t !== 'object' || depth > 200) return false;
  if (value instanceof Date || value instanceof RegExp || value instanceof Uint8Array) return true;
  if (typeof (value as { _bsontype?: unknown })._bsontype === 'string') return true;
  if (Array.isArray(value)) return value.every((v) => isData(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value as Document).every((v) => isData(v, depth + 1));
}

/**
 * The built-ins the driver's own code walks. Migration code runs in the pipeline's process: a setter
 * it adds to Object.prototype (or a method it swaps on Map.prototype, …) would run inside a driver
 * constructor or call with the real Db, client or connection as `this` — a way round the sandbox
 * that never touches a sandbox object. The sandbox takes a snapshot of them and, before it answers
 * anything and at each migration's end, puts back whatever changed and refuses the plan.
 */
function intrinsics(): Array<[string, object, PropertyKey[]?]> {
  const asyncGen = Object.getPrototypeOf(Object.getPrototypeOf((async function* () { /* empty */ })())) as object;
  const gen = Object.getPrototypeOf(Object.getPrototypeOf((function* () { /* empty */ })())) as object;
  return [
    ['Object.prototype', Object.prototype], ['Object', Object], ['Function.prototype', Function.prototype], ['Array.prototype', Array.prototype],
    ['Array', Array], ['Promise.prototype', Promise.prototype], ['Promise', Promise], ['Error.prototype', Error.prototype], ['Error', Error],
    ['Map.prototype', Map.prototype], ['Set.prototype', Set.prototype], ['WeakMap.prototype', WeakMap.prototype], ['WeakSet.prototype', WeakSet.prototype],
    ['WeakRef.prototype', WeakRef.prototype], ['String.prototype', String.prototype], ['Number.prototype', Number.prototype],
    ['Boolean.prototype', Boolean.prototype], ['Symbol.prototype', Symbol.prototype], ['BigInt.prototype', BigInt.prototype], ['RegExp.prototype', RegExp.prototype],
    ['Date.prototype', Date.prototype], ['Uint8Array.prototype', Uint8Array.prototype], ['TypedArray.prototype', Object.getPrototypeOf(Uint8Array.prototype) as object],
    ['DataView.prototype', DataView.prototype], ['ArrayBuffer.prototype', ArrayBuffer.prototype], ['Buffer.prototype', Buffer.prototype], ['Buffer', Buffer],
    ['EventEmitter.prototype', EventEmitter.prototype], ['Stream.prototype', Stream.prototype], ['Readable.prototype', Readable.prototype],
    ['Writable.prototype', Writable.prototype], ['Duplex.prototype', Duplex.prototype], ['Transform.prototype', Transform.prototype],
    // The driver's connections: a method swapped here gets the pipeline's own socket to the database.
    ['net.Socket.prototype', Socket.prototype], ['tls.TLSSocket.prototype', TLSSocket.prototype], ['EventTarget.prototype', EventTarget.prototype], ['AbortSignal.prototype', AbortSignal.prototype],
    ['Reflect', Reflect], ['JSON', JSON], ['Math', Math], ['Iterator.prototype', Object.getPrototypeOf(gen) as object], ['Generator.prototype', gen],
    ['AsyncGenerator.prototype', asyncGen], ['AsyncIterator.prototype', Object.getPrototypeOf(asyncGen) as object],
    // globalThis and process change by themselves (timers, process.env…): only what the driver calls with its objects.
    ['globalThis', globalThis, ['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'clearTimeout', 'clearInterval', 'clearImmediate', 'Promise', 'Object', 'Reflect']],
    ['process', process, ['nextTick', 'emitWarning', 'emit']],
  ];
}

interface RealmSnapshot { take(): void; changed(): string | null }

function realmGuard(): RealmSnapshot {
  type Shot = { name: string; obj: object; only: PropertyKey[] | undefined; extensible: boolean; props: Map<PropertyKey, PropertyDescriptor | undefined> };
  let shots: Shot[] = [];
  const same = (a: PropertyDescriptor, b: PropertyDescriptor) =>
    a.value === b.value && a.get === b.get && a.set === b.set && a.writable === b.writable && a.enumerable === b.enumerable && a.configurable === b.configurable;
  return {
    take() {
      shots = intrinsics().map(([name, obj, only]) => ({
        name, obj, only, extensible: Object.isExtensible(obj),
        props: new Map((only ?? Reflect.ownKeys(obj)).map((k) => [k, Reflect.getOwnPropertyDescriptor(obj, k)])),
      }));
    },
    /** The first change found (all of them put back where possible), or null. */
    changed() {
      let first: string | null = null;
      for (const { name, obj, only, extensible, props } of shots) {
        const note = (key: PropertyKey) => { first ??= `${name}.${String(key)}`; };
        if (!only && Object.isExtensible(obj) !== extensible) note('(extensible)');
        for (const key of new Set([...(only ?? Reflect.ownKeys(obj)), ...props.keys()])) {
          const was = props.get(key);
          const now = Reflect.getOwnPropertyDescriptor(obj, key);
          if (was === now || (was && now && same(was, now))) continue;
          note(key);
          if (was) Reflect.defineProperty(obj, key, was);
          else Reflect.deleteProperty(obj, key);
        }
      }
      return first;
    },
  };
}

type Members = Record<string, unknown>;

export interface SandboxOptions {
  /**
   * Rehearsal: writes are executed on `real` (a scratch database) instead of recorded; the same
   * lists decide what a migration may touch, so nothing reaches another database.
   */
  execute?: boolean;
  /** Other names that mean `real` for client.db(name) — the target's name during a rehearsal. */
  aliases?: string[];
}

export function createRecordingDb(real: Db, sandboxOptions: SandboxOptions = {}): RecordingSession {
  const execute = sandboxOptions.execute === true;
  const stage = execute ? 'a rehearsal' : 'a plan';
  const writes: PlannedWrite[] = [];
  const approximateReasons: string[] = [];
  const written = new Map<string, Effect[]>();
  const refusals = new Map<string, ShipgateError>();
  /** Sandbox sessions: dropped from the options of what is executed (they are not the driver's). */
  const sessions = new WeakSet<object>();
  const withoutSandboxSession = (arg: unknown): unknown => {
    if (!arg || typeof arg !== 'object' || Array.isArray(arg) || !sessions.has((arg as { session?: object }).session ?? {})) return arg;
    const { session: _s, ...rest } = arg as Document;
    return rest;
  };
  let current = '(migration)';
  let closed = false;
  const target = real.databaseName;

  const refuse = (err: ShipgateError): never => {
    if (!refusals.has(current)) refusals.set(current, err);
    throw err;
  };
  const escape = (member: string, why: string): never => refuse(migrateErrors.SHIPGATE_PLAN_ESCAPE({ id: current, member, why, stage }));
  const unsupported = (method: string): never => refuse(migrateErrors.SHIPGATE_PLAN_UNSUPPORTED_OP({ id: current, method, stage }));
  const NOT_LISTED = 'it is neither a read the plan can pass through nor a write it can record';
  const realm = realmGuard();
  realm.take();
  /** Refuses (after putting them back) when the migration changed the built-ins the driver walks. */
  const guard = () => {
    const changed = realm.changed();
    if (changed) escape(changed, 'a migration cannot change the built-ins (prototypes, globals) the driver runs on — a setter or method put there runs with the real driver objects; it was put back');
  };

  /** A sandbox object: a proxy over an empty object, answering only `members`; the real object is never its target. */
  function sandbox(kind: string, path: string, members: Members): object {
    const shell = Object.create(null) as object;
    const deny = (what: string) => () => escape(`${path} (${what})`, 'a plan sandbox object cannot be changed or inspected');
    return new Proxy(shell, {
      get(_t, prop) {
        if (closed) escape(`${path}.${String(prop)}`, 'the plan of this migration has ended; a migration must await its work inside up()');
        guard();
        if (prop === Symbol.toStringTag) return `Plan${kind}`;
        if (prop === Symbol.for('nodejs.util.inspect.custom')) return () => `[plan ${kind} ${path}]`;
        if (typeof prop === 'symbol') return members[prop as unknown as string] ?? undefined;
        if (prop === 'then') return undefined; // not a thenable: `await db` is the db
        if (Object.hasOwn(members, prop)) return members[prop];
        if (prop === 'toString' || prop === 'toJSON') return () => `[plan ${kind} ${path}]`;
        return escape(`${path}.${prop}`, NOT_LISTED);
      },
      has: (_t, prop) => Object.hasOwn(members, prop),
      set: deny('assignment'),
      defineProperty: deny('defineProperty'),
      deleteProperty: deny('delete'),
      setPrototypeOf: deny('setPrototypeOf'),
      preventExtensions: deny('preventExtensions'),
      getPrototypeOf: () => null,
    });
  }

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
  /** Read options for the real driver: without a session (sandbox sessions are not the driver's). */
  const readOptions = (path: string, options: unknown): Document => {
    if (options === undefined || options === null) return {};
    const { session: _session, signal, ...rest } = options as Document;
    if (typeof options !== 'object' || !isData(rest)) escape(`${path} options`, 'options must be plain data');
    // The driver turns aggregate's (and countDocuments') `out` option into a $out stage: a write.
    if (Object.hasOwn(rest, 'out')) unsupported(`${path} with options.out ($out)`);
    // An abort signal (e.g. ctx.signal) is the migration's own, not the driver's: it may pass.
    if (signal !== undefined && !(signal instanceof AbortSignal)) escape(`${path} options.signal`, 'signal must be an AbortSignal');
    return signal === undefined ? rest : { ...rest, signal };
  };
  /** A read passed through: what comes back must be plain data. */
  const data = async <T>(path: string, p: Promise<T>): Promise<T> => {
    const v = await p;
    guard();
    if (!isData(v)) escape(path, 'the driver returned an object the plan cannot follow');
    return v;
  };
  const checkPipeline = (path: string, pipeline: unknown): Document[] => {
    if (!Array.isArray(pipeline)) escape(path, 'the pipeline must be an array of stages');
    const sent = asSent(pipeline) as Document[];
    if (writesOut(sent)) unsupported(`${path} with $out/$merge`);
    return sent;
  };

  // ---- cursors --------------------------------------------------------------------------------
  const CURSOR_BUILDERS = [
    'filter', 'hint', 'min', 'max', 'returnKey', 'showRecordId', 'addQueryModifier', 'comment', 'maxAwaitTimeMS', 'maxTimeMS',
    'project', 'sort', 'allowDiskUse', 'collation', 'limit', 'skip', 'batchSize', 'map',
  ];
  const STAGE_BUILDERS = ['addStage', 'match', 'group', 'unwind', 'lookup', 'redact', 'geoNear'];
  const CURSOR_READS = ['toArray', 'next', 'tryNext', 'hasNext', 'close', 'count', 'explain', 'bufferedCount', 'readBufferedDocuments'];

  type RealCursor = Record<string, (...a: unknown[]) => unknown> & AsyncIterable<unknown>;
  function wrapCursor(path: string, coll: string | null, cursor: RealCursor): object {
    let mapped = false;
    const self: object = sandbox('Cursor', path, members());
    const checked = (v: unknown) => {
      guard();
      if (!mapped && !isData(v)) escape(path, 'the cursor returned an object the plan cannot follow');
      return v;
    };
    function members(): Members {
      const m: Members = {
        get closed() { return (cursor as unknown as { closed: boolean }).closed; },
        get killed() { return (cursor as unknown as { killed: boolean }).killed; },
        rewind: () => { cursor.rewind!(); },
        clone: () => wrapCursor(path, coll, cursor.clone!() as RealCursor),
        forEach: async (fn: (doc: unknown) => unknown) => {
          for await (const doc of self as AsyncIterable<unknown>) if ((await fn(doc)) === false) break;
        },
        stream: () => Readable.from(self as AsyncIterable<unknown>),
        [Symbol.asyncIterator]: async function* () {
          if (coll) touched(coll, 'reads');
          for await (const doc of cursor) yield checked(doc);
        },
      };
      const has = (name: string) => typeof cursor[name] === 'function' || escape(`${path}.${name}()`, 'this cursor has no such method');
      for (const name of CURSOR_BUILDERS) {
        m[name] = (...args: unknown[]) => {
          has(name);
          if (name === 'map') mapped = true;
          const r = cursor[name]!(...args);
          return r === cursor ? self : wrapCursor(path, coll, r as RealCursor);
        };
      }
      for (const name of STAGE_BUILDERS) {
        m[name] = (stage: unknown) => {
          has(name);
          const sent = checkPipeline(`${path}.${name}()`, [name === 'addStage' ? stage : { [`$${name}`]: stage }])[0] as Document;
          const r = name === 'addStage' ? cursor.addStage!(sent) : cursor[name]!(Object.values(sent)[0]);
          return r === cursor ? self : wrapCursor(path, coll, r as RealCursor);
        };
      }
      for (const name of CURSOR_READS) {
        m[name] = async (...args: unknown[]) => {
          has(name);
          if (coll) touched(coll, 'reads');
          const v = await (cursor[name]!(...args) as Promise<unknown>);
          guard();
          if (name === 'toArray' && Array.isArray(v)) v.forEach(checked);
          else if (name === 'next' || name === 'tryNext' || name === 'readBufferedDocuments') checked(v);
          else if (!isData(v)) escape(`${path}.${name}()`, 'the driver returned an object the plan cannot follow');
          return v;
        };
      }
      return m;
    }
    return self;
  }

  // ---- collections ----------------------------------------------------------------------------
  const collections = new Map<string, Collection>();
  function wrapCollection(name: unknown): Collection {
    if (typeof name !== 'string' || name.length === 0) return escape(`db.collection(${quote(name)})`, 'a collection name must be a non-empty string');
    const known = collections.get(name);
    if (known) return known;
    const raw = real.collection(name);
    const path = `db.collection('${name}')`;
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
    /** A read passed through; `at` is the position of its options argument (sessions are stripped from it). */
    const read = (method: string, at: number) => (...args: unknown[]) => {
      touched(name, 'reads');
      if (args.length > at) args[at] = readOptions(`${path}.${method}()`, args[at]);
      return data(`${path}.${method}()`, (raw as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args));
    };
    const cursorRead = (method: 'find' | 'listIndexes' | 'listSearchIndexes') => (...args: unknown[]) => {
      if (method === 'find' && args.length > 1) args[1] = readOptions(`${path}.find()`, args[1]);
      if (method === 'listIndexes' && args.length > 0) args[0] = readOptions(`${path}.listIndexes()`, args[0]);
      if (method === 'listSearchIndexes') {
        // listSearchIndexes(name?, options?) or listSearchIndexes(options): an aggregate underneath (its `out` would be a $out).
        if (args[0] !== null && typeof args[0] === 'object') args[0] = readOptions(`${path}.listSearchIndexes()`, args[0]);
        if (args.length > 1) args[1] = readOptions(`${path}.listSearchIndexes()`, args[1]);
      }
      return wrapCursor(`${path}.${method}()`, name, (raw as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args) as RealCursor);
    };
    const members: Members = {
      collectionName: name,
      dbName: target,
      namespace: `${target}.${name}`,
      get db() { return db; },
      get client() { return client; },
      insertOne: async (doc: Document) => {
        record({ collection: name, op: 'insertOne', matched: 1, detail: 'would insert 1 document', risky: false });
        return { acknowledged: true, insertedId: (doc?._id as unknown) ?? new ObjectId() };
      },
      insertMany: async (docs: Document[]) => {
        if (!Array.isArray(docs)) escape(`${path}.insertMany()`, 'documents must be an array');
        record({ collection: name, op: 'insertMany', matched: docs.length, detail: `would insert ${plural(docs.length, 'document')}`, risky: false });
        return { acknowledged: true, insertedCount: docs.length, insertedIds: Object.fromEntries(docs.map((d, i) => [i, (d?._id as unknown) ?? new ObjectId()])) };
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
        if (!Array.isArray(ops)) escape(`${path}.bulkWrite()`, 'operations must be an array');
        const sums = { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0 };
        const h = members as Record<string, (...a: unknown[]) => Promise<Document>>;
        for (const op of ops) {
          const [kind, spec] = Object.entries(op ?? {})[0] ?? [];
          const s = (spec ?? {}) as Document;
          if (kind === 'insertOne') {
            await h.insertOne!(s.document);
            sums.insertedCount += 1;
          } else if (kind === 'updateOne' || kind === 'updateMany' || kind === 'replaceOne') {
            const r = await h[kind]!(s.filter, s.update ?? s.replacement, { upsert: s.upsert });
            sums.matchedCount += r.matchedCount as number;
            sums.modifiedCount += r.modifiedCount as number;
            sums.upsertedCount += r.upsertedCount as number;
          } else if (kind === 'deleteOne' || kind === 'deleteMany') {
            sums.deletedCount += (await h[kind]!(s.filter)).deletedCount as number;
          } else unsupported(`${path}.bulkWrite ${kind ?? '(empty)'}`);
        }
        return { ok: 1, ...sums, insertedIds: {}, upsertedIds: {} };
      },
      createIndex: async (keys: Document, options?: { name?: string; unique?: boolean }) => {
        const idx = indexName(keys, options);
        record({ collection: name, op: 'createIndex', matched: null, detail: `create index ${idx}${options?.unique ? ' (unique)' : ''}`, risky: false }, 'none');
        return idx;
      },
      createIndexes: async (specs: Array<{ key: Document; name?: string; unique?: boolean }>) => {
        if (!Array.isArray(specs)) escape(`${path}.createIndexes()`, 'index specs must be an array');
        const names: string[] = [];
        for (const s of specs) names.push(await (members.createIndex as (k: Document, o: unknown) => Promise<string>)(s.key, s));
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
      rename: async (to: unknown) => {
        if (typeof to !== 'string') escape(`${path}.rename(${quote(to)})`, 'the new name must be a string');
        const n = await count(name, {});
        record({ collection: name, op: 'rename', matched: n, detail: `renames to ${String(to)} (${plural(n, 'document')})`, risky: true });
        record({ collection: to as string, op: 'rename-into', matched: n, detail: `receives ${name}`, risky: false });
        writes.pop();
        return wrapCollection(to);
      },
      aggregate: (pipeline: unknown = [], options?: unknown) => {
        const sent = checkPipeline(`${path}.aggregate()`, pipeline);
        touched(name, 'reads');
        return wrapCursor(`${path}.aggregate()`, name, raw.aggregate(sent, readOptions(`${path}.aggregate()`, options)) as unknown as RealCursor);
      },
      find: cursorRead('find'),
      listIndexes: cursorRead('listIndexes'),
      listSearchIndexes: cursorRead('listSearchIndexes'),
      findOne: read('findOne', 1),
      countDocuments: read('countDocuments', 1),
      count: read('count', 1),
      estimatedDocumentCount: read('estimatedDocumentCount', 0),
      distinct: read('distinct', 2),
      indexes: read('indexes', 0),
      indexExists: read('indexExists', 1),
      indexInformation: read('indexInformation', 0),
      options: read('options', 0),
      isCapped: read('isCapped', 0),
      watch: () => unsupported(`${path}.watch`),
      initializeOrderedBulkOp: () => unsupported(`${path}.initializeOrderedBulkOp`),
      initializeUnorderedBulkOp: () => unsupported(`${path}.initializeUnorderedBulkOp`),
      createSearchIndex: () => unsupported(`${path}.createSearchIndex`),
      createSearchIndexes: () => unsupported(`${path}.createSearchIndexes`),
      dropSearchIndex: () => unsupported(`${path}.dropSearchIndex`),
      updateSearchIndex: () => unsupported(`${path}.updateSearchIndex`),
    };
    if (execute) {
      for (const method of COLLECTION_WRITES) {
        members[method] = async (...args: unknown[]) => {
          const r = await (raw as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args.map(withoutSandboxSession));
          return method === 'rename' ? wrapCollection(args[0]) : r;
        };
      }
    }
    const proxy = sandbox('Collection', path, members) as Collection;
    collections.set(name, proxy);
    return proxy;
  }

  // ---- commands -------------------------------------------------------------------------------
  async function runCommand(path: string, cmd: unknown, options: unknown, admin: boolean): Promise<Document> {
    if (!cmd || typeof cmd !== 'object') return escape(`${path}(${quote(cmd)})`, 'a command must be a document');
    const sent = asSent(cmd) as Document;
    const first = Object.keys(sent)[0] ?? '';
    const name = first.toLowerCase();
    const shown = `${path}({ ${first || '(empty)'} })`;
    if (READ_COMMANDS.has(name)) {
      if (name === 'aggregate' && writesOut(sent.pipeline)) return unsupported(`${shown} with $out/$merge`);
      if (typeof sent[first] === 'string') touched(sent[first] as string, 'reads');
      const runner = admin ? real.admin() : real;
      return data(shown, runner.command(sent, readOptions(shown, options)));
    }
    if (admin) return unsupported(shown);
    if (execute) {
      if (!EXECUTE_COMMANDS.has(name)) return unsupported(shown);
      return real.command(sent, readOptions(shown, options));
    }
    const coll = typeof sent[first] === 'string' ? wrapCollection(sent[first]) as unknown as Record<string, (...a: unknown[]) => Promise<Document>> : null;
    const list = (key: string): Document[] => (Array.isArray(sent[key]) ? (sent[key] as Document[]) : []);
    switch (coll ? name : name === 'dropdatabase' ? name : '') {
      case 'insert': {
        const r = await coll!.insertMany!(list('documents'));
        return { n: r.insertedCount, ok: 1 };
      }
      case 'update': {
        let n = 0;
        for (const u of list('updates')) n += (await coll![u.multi === true ? 'updateMany' : 'updateOne']!(u.q ?? {}, u.u, { upsert: u.upsert === true })).matchedCount as number;
        return { n, nModified: n, ok: 1 };
      }
      case 'delete': {
        let n = 0;
        for (const d of list('deletes')) n += (await coll![num(d.limit) === 1 ? 'deleteOne' : 'deleteMany']!(d.q ?? {})).deletedCount as number;
        return { n, ok: 1 };
      }
      case 'findandmodify': {
        const op = sent.remove === true ? 'findOneAndDelete' : 'findOneAndUpdate';
        const value = op === 'findOneAndDelete'
          ? await coll!.findOneAndDelete!(sent.query ?? {}, { sort: sent.sort })
          : await coll!.findOneAndUpdate!(sent.query ?? {}, sent.update, { sort: sent.sort, upsert: sent.upsert === true });
        return { value, ok: 1 };
      }
      case 'drop':
        await coll!.drop!();
        return { ok: 1 };
      case 'create':
        record({ collection: sent[first] as string, op: 'createCollection', matched: null, detail: 'create collection', risky: false }, 'none');
        return { ok: 1 };
      case 'createindexes':
        await coll!.createIndexes!(list('indexes'));
        return { ok: 1 };
      case 'dropindexes':
        if (sent.index === '*') await coll!.dropIndexes!();
        else await coll!.dropIndex!(sent.index);
        return { ok: 1 };
      case 'dropdatabase':
        await (dbMembers.dropDatabase as () => Promise<unknown>)();
        return { ok: 1 };
      default:
        return unsupported(shown);
    }
  }

  // ---- admin, sessions, client, db --------------------------------------------------------------
  const adminRead = (method: string) => (options?: unknown) =>
    data(`db.admin().${method}()`, (real.admin() as unknown as Record<string, (o: Document) => Promise<unknown>>)[method]!(readOptions(`db.admin().${method}()`, options)));
  const admin = sandbox('Admin', 'db.admin()', {
    command: (cmd: unknown, options?: unknown) => runCommand('db.admin().command', cmd, options, true),
    buildInfo: adminRead('buildInfo'),
    serverInfo: adminRead('serverInfo'),
    serverStatus: adminRead('serverStatus'),
    ping: adminRead('ping'),
    listDatabases: adminRead('listDatabases'),
    replSetGetStatus: adminRead('replSetGetStatus'),
  });

  function session(path: string): object {
    let inTransaction = false;
    const register = (o: object) => (sessions.add(o), o);
    let ended = false;
    const self: object = sandbox('Session', path, {
      get hasEnded() { return ended; },
      inTransaction: () => inTransaction,
      startTransaction: () => { inTransaction = true; },
      commitTransaction: async () => { inTransaction = false; },
      abortTransaction: () => unsupported(`${path}.abortTransaction (a plan cannot take back recorded writes)`),
      endSession: async () => { ended = true; },
      withTransaction: async (fn: (s: object) => Promise<unknown>) => {
        if (typeof fn !== 'function') escape(`${path}.withTransaction()`, 'it takes a function');
        inTransaction = true;
        try {
          return await fn(self);
        } finally {
          inTransaction = false;
        }
      },
    });
    return register(self);
  }

  const sameDb = (name: unknown) => name === undefined || name === target || (typeof name === 'string' && (sandboxOptions.aliases ?? []).includes(name));
  const client = sandbox('Client', 'client', {
    db: (name?: unknown) => (sameDb(name) ? db : escape(`client.db(${quote(name)})`, `a migration works on its target database (${target}) only: use the db handle it is given`)),
    startSession: () => session('client.startSession()'),
    withSession: async (a: unknown, b?: unknown) => {
      const fn = (typeof a === 'function' ? a : b) as ((s: object) => Promise<unknown>) | undefined;
      if (typeof fn !== 'function') return escape('client.withSession()', 'it takes a function');
      return fn(session('client.withSession()'));
    },
    watch: () => unsupported('client.watch'),
    bulkWrite: () => unsupported('client.bulkWrite'),
  }) as MongoClient;

  const listCollections = (filter?: unknown, options?: unknown) =>
    wrapCursor('db.listCollections()', null, real.listCollections((filter ?? {}) as Document, readOptions('db.listCollections()', options) as never) as unknown as RealCursor);
  const dbMembers: Members = {
    databaseName: target,
    namespace: target,
    get client() { return client; },
    collection: (name: unknown) => wrapCollection(name),
    admin: () => admin,
    listCollections,
    createCollection: async (name: unknown) => {
      const c = wrapCollection(name);
      record({ collection: name as string, op: 'createCollection', matched: null, detail: 'create collection', risky: false }, 'none');
      return c;
    },
    dropCollection: async (name: unknown) => wrapCollection(name).drop(),
    renameCollection: async (from: unknown, to: string) => wrapCollection(from).rename(to),
    createIndex: async (coll: unknown, keys: Document, options?: Document) => wrapCollection(coll).createIndex(keys, options),
    collections: async () => (await real.listCollections({}, { nameOnly: true }).toArray()).map((c) => wrapCollection(c.name)),
    dropDatabase: async () => {
      for (const c of await real.listCollections({}, { nameOnly: true }).toArray()) await wrapCollection(c.name).drop();
      return true;
    },
    command: (cmd: unknown, options?: unknown) => runCommand('db.command', cmd, options, false),
    aggregate: (pipeline: unknown = [], options?: unknown) =>
      wrapCursor('db.aggregate()', null, real.aggregate(checkPipeline('db.aggregate()', pipeline), readOptions('db.aggregate()', options)) as unknown as RealCursor),
    stats: (options?: unknown) => data('db.stats()', real.stats(readOptions('db.stats()', options))),
    profilingLevel: () => data('db.profilingLevel()', real.profilingLevel()),
    indexInformation: (name: unknown) => wrapCollection(name).indexInformation(),
    watch: () => unsupported('db.watch'),
    runCursorCommand: () => unsupported('db.runCursorCommand'),
    setProfilingLevel: () => unsupported('db.setProfilingLevel'),
    removeUser: () => unsupported('db.removeUser'),
  };
  if (execute) {
    dbMembers.createCollection = async (name: unknown, options?: unknown) => {
      const c = wrapCollection(name);
      await real.createCollection(name as string, withoutSandboxSession(options) as Document);
      return c;
    };
    dbMembers.dropCollection = async (name: unknown, options?: unknown) => real.dropCollection(wrapCollection(name).collectionName, withoutSandboxSession(options) as Document);
    dbMembers.renameCollection = async (from: unknown, to: unknown, options?: unknown) => {
      await real.renameCollection(wrapCollection(from).collectionName, wrapCollection(to).collectionName, withoutSandboxSession(options) as Document);
      return wrapCollection(to);
    };
    dbMembers.createIndex = async (coll: unknown, keys: Document, options?: unknown) => real.createIndex(wrapCollection(coll).collectionName, keys, withoutSandboxSession(options) as Document);
    dbMembers.dropDatabase = async () => real.dropDatabase();
  }
  const db = sandbox('Db', 'db', dbMembers) as Db;

  return {
    db,
    client,
    writes,
    approximateReasons,
    begin(id: string) {
      current = id;
      writes.length = 0;
      guard(); // the migration's module code ran when it was loaded
    },
    assertNoRefusal() {
      try {
        guard();
      } catch {
        // recorded as this migration's refusal: thrown below
      }
      const err = refusals.get(current);
      if (err) throw err;
    },
    close() {
      closed = true;
      guard();
    },
  };
}
