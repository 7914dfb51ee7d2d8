/**
 * Smoke suite of the sample notes app: the main user flows against a deployed URL (BASE_URL).
 * Run by the smoke gate (`shipgate smoke --url …`), never by the unit run. Every note it creates
 * is tagged shipgate-smoke and deleted afterwards, also when a test fails.
 */
import { describe, expect, it } from 'vitest';
import { api, SMOKE_TAG, smokeTitle, useSmokeCleanup } from '../smoke-client.ts';

useSmokeCleanup();

describe('notes app', () => {
  it('is healthy and reports its version', async () => {
    const r = await api('/health');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', db: 'up' });
    expect(typeof r.body.version).toBe('string');
    if (process.env.EXPECT_VERSION) expect(r.body.version).toBe(process.env.EXPECT_VERSION);
  });

  it('creates, reads, lists and deletes a note', async () => {
    const title = smokeTitle('round trip');
    const created = await api('/notes', { method: 'POST', json: { title, body: 'made by the smoke suite', tags: [SMOKE_TAG] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title, body: 'made by the smoke suite', tags: [SMOKE_TAG] });
    const id = created.body.id as string;
    expect(id).toBeTruthy();

    const read = await api(`/notes/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, title });

    const list = await api(`/notes?tag=${SMOKE_TAG}&limit=100`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((n: { id: string }) => n.id)).toContain(id);

    const del = await api(`/notes/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    const gone = await api(`/notes/${id}`);
    expect(gone.status).toBe(404);
  });

  it('answers 400 with the field at fault for bad input', async () => {
    const r = await api('/notes', { method: 'POST', json: { title: '', tags: [SMOKE_TAG] } });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_input');
    expect(Object.keys(r.body.fields)).toContain('title');
  });

  it('answers 404 for a note that does not exist', async () => {
    const missing = Array.from({ length: 24 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
    const r = await api(`/notes/${missing}`);
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'not_found' });
  });
});
