import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { call, startApp, type RunningApp } from './helpers.ts';
import { slugify } from '../src/notes.ts';

const t = useTestDatabase('notesapi');
let run: RunningApp;
let base: string;

beforeAll(async () => {
  run = await startApp({ mongoUri: t.uri, dbName: t.dbName });
  base = run.base;
});
afterAll(async () => {
  await run?.close();
});

const post = (json: unknown) => call(base, '/notes', { method: 'POST', json });

describe('POST /notes', () => {
  it('creates a note with defaults and a generated slug', async () => {
    const res = await post({ title: '  Café Report: Q3!  ' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title: 'Café Report: Q3!', body: '', tags: [] });
    expect(res.body.id).toMatch(/^[0-9a-f]{24}$/);
    expect(res.body.slug).toMatch(/^cafe-report-q3-[0-9a-f]{6}$/);
    expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
    expect(res.body.updatedAt).toBe(res.body.createdAt);
    const stored = await t.db.collection('notes').findOne({ slug: res.body.slug });
    expect(stored?.createdAt).toBeInstanceOf(Date);
    expect(stored?._id.toHexString()).toBe(res.body.id);
  });

  it('keeps body, tags (including shipgate-smoke) and a given slug', async () => {
    const res = await post({ title: 'Smoke', body: 'hello', tags: ['shipgate-smoke', 'x'], slug: 'smoke-note-1' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title: 'Smoke', body: 'hello', tags: ['shipgate-smoke', 'x'], slug: 'smoke-note-1' });
  });

  it('answers 409 for a slug that already exists', async () => {
    expect((await post({ title: 'First', slug: 'dupe-slug' })).status).toBe(201);
    const res = await post({ title: 'Second', slug: 'dupe-slug' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'conflict', field: 'slug' });
  });

  it('answers 409 from the unique index when the pre-insert check cannot see the clash', async () => {
    // Two concurrent creates with the same slug: with the unique index (migration 0003) at most
    // one wins, every other one is a 409 — never a 500.
    await t.db.collection('notes').createIndex({ slug: 1 }, { unique: true, name: 'notes_slug_unique' });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => post({ title: `Race ${i}`, slug: 'race-slug' })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    expect(await t.db.collection('notes').countDocuments({ slug: 'race-slug' })).toBe(1);
  });

  it('lists every invalid field with its path', async () => {
    const res = await post({ title: '   ', body: 5, tags: ['ok', '', 'x'.repeat(41)], slug: 'Bad Slug' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_input');
    expect(Object.keys(res.body.fields).sort()).toEqual(['body', 'slug', 'tags.1', 'tags.2', 'title']);
    expect(res.body.fields.title).toMatch(/empty/);
  });

  it('rejects missing title, too long fields, too many tags and a non-object body', async () => {
    expect((await post({})).body.fields.title).toMatch(/required/);
    expect((await post({ title: 'x'.repeat(201) })).body.fields).toHaveProperty('title');
    expect((await post({ title: 'ok', body: 'x'.repeat(20001) })).body.fields).toHaveProperty('body');
    expect((await post({ title: 'ok', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })).body.fields).toHaveProperty('tags');
    expect((await post({ title: 'ok', slug: 'x'.repeat(81) })).body.fields).toHaveProperty('slug');
    const arr = await post([1, 2]);
    expect(arr.status).toBe(400);
    expect(arr.body.fields).toHaveProperty('(root)');
    // Boundaries are accepted.
    const max = await post({ title: 'x'.repeat(200), body: 'y'.repeat(20000), tags: Array.from({ length: 20 }, (_, i) => `t${i}`.padEnd(40, 'z')) });
    expect(max.status).toBe(201);
  });

  it('answers 400 invalid_json, 415 for another content type, 413 over 1 MB', async () => {
    const bad = await call(base, '/notes', { method: 'POST', body: '{"title": ', headers: { 'content-type': 'application/json' } });
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_json' } });
    const empty = await call(base, '/notes', { method: 'POST', body: '', headers: { 'content-type': 'application/json' } });
    expect(empty).toMatchObject({ status: 400, body: { error: 'invalid_json' } });
    const text = await call(base, '/notes', { method: 'POST', body: '{"title":"x"}', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    const big = await call(base, '/notes', { method: 'POST', json: { title: 'big', body: 'x'.repeat(1024 * 1024 + 10) } });
    expect(big.status).toBe(413);
    expect(big.body.error).toBe('payload_too_large');
  });

  it('answers 413 for a chunked body that grows past 1 MB (no content-length)', async () => {
    const port = new URL(base).port;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/notes', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = 'x'.repeat(64 * 1024);
      req.write('{"title":"t","body":"');
      const pump = (left: number): void => {
        if (left === 0) return void req.end('"}');
        if (req.write(chunk)) pump(left - 1);
        else req.once('drain', () => pump(left - 1));
      };
      pump(20);
    });
    expect(status).toBe(413);
  });
});

describe('GET/DELETE /notes/:id', () => {
  it('reads a note back, deletes it, then 404s', async () => {
    const created = (await post({ title: 'Read me', tags: ['r'] })).body;
    const got = await call(base, `/notes/${created.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created);
    const del = await call(base, `/notes/${created.id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(del.body).toBeUndefined();
    expect((await call(base, `/notes/${created.id}`)).status).toBe(404);
    expect(await call(base, `/notes/${created.id}`, { method: 'DELETE' })).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });

  it('answers 404 for ids that are not ObjectIds', async () => {
    for (const id of ['nope', '123', 'zzzzzzzzzzzzzzzzzzzzzzzz', 'aaaaaaaaaaaa']) {
      expect(await call(base, `/notes/${id}`)).toMatchObject({ status: 404, body: { error: 'not_found' } });
      expect((await call(base, `/notes/${id}`, { method: 'DELETE' })).status).toBe(404);
    }
  });
});

describe('GET /notes', () => {
  it('lists newest first, filters by tag, honours limit', async () => {
    const tag = `list${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await post({ title: `List ${i}`, tags: [tag, i % 2 ? 'odd' : 'even'] })).body.id);
      await new Promise((r) => setTimeout(r, 5)); // distinct createdAt millis
    }
    const all = await call(base, `/notes?tag=${tag}`);
    expect(all.status).toBe(200);
    expect(all.body.count).toBe(5);
    expect(all.body.items.map((n: { id: string }) => n.id)).toEqual([...ids].reverse());
    const two = await call(base, `/notes?tag=${tag}&limit=2`);
    expect(two.body.items.map((n: { id: string }) => n.id)).toEqual([ids[4], ids[3]]);
    expect(two.body.count).toBe(2);
    const none = await call(base, '/notes?tag=no-such-tag');
    expect(none.body).toEqual({ items: [], count: 0 });
    const unfiltered = await call(base, '/notes?limit=100');
    expect(unfiltered.body.count).toBeGreaterThanOrEqual(5);
  });

  it('defaults to 20 items', async () => {
    const tag = `many${Date.now()}`;
    for (let i = 0; i < 22; i++) await post({ title: `Many ${i}`, tags: [tag] });
    expect((await call(base, `/notes?tag=${tag}`)).body.count).toBe(20);
  });

  it('answers 400 with fields for a bad limit or tag', async () => {
    for (const limit of ['0', '101', 'abc', '-1', '2.5', '']) {
      const res = await call(base, `/notes?limit=${limit}`);
      expect(res.status, `limit=${limit}`).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_input', fields: { limit: expect.any(String) } });
    }
    expect((await call(base, '/notes?tag=')).body.fields).toHaveProperty('tag');
  });
});

describe('routing', () => {
  it('answers 404 for unknown paths and 405 for other methods on known ones', async () => {
    expect(await call(base, '/nope')).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect((await call(base, '/notes/a/b')).status).toBe(404);
    expect((await call(base, '/')).status).toBe(404);
    const put = await call(base, '/notes', { method: 'PUT', json: {} });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expect((await call(base, '/notes/65a000000000000000000000', { method: 'PATCH', json: {} })).status).toBe(405);
    expect((await call(base, '/health', { method: 'POST', json: {} })).status).toBe(405);
  });

  it('writes one JSON access-log line per request with method, path, status, ms and reqId', async () => {
    const res = await call(base, '/notes?limit=1', { headers: { 'x-request-id': 'req-test-42' } });
    expect(res.headers.get('x-request-id')).toBe('req-test-42');
    const line = run.logs.find((l) => l.msg === 'request' && l.reqId === 'req-test-42');
    expect(line).toMatchObject({ level: 'info', method: 'GET', path: '/notes', status: 200, reqId: 'req-test-42' });
    expect(typeof line?.ms).toBe('number');
    expect(typeof line?.time).toBe('string');
  });
});

describe('slugify', () => {
  it('makes lowercase a-z0-9 words, at most 60 characters', () => {
    expect(slugify('  Héllo,  World!! ')).toBe('hello-world');
    expect(slugify('***')).toBe('note');
    expect(slugify('a'.repeat(100))).toHaveLength(60);
  });
});
