/** The health verdict of one answer, pure (assess.ts). Each case pins a branch mutation testing found unguarded. */
import { describe, expect, it } from 'vitest';
import { assessHealthAnswer, isUp, readPath, type HealthExpectations } from './assess.ts';

const exp = (over: Partial<HealthExpectations> = {}): HealthExpectations => ({ expectVersion: '1.5.0', versionField: 'version', dbField: 'db', ...over });
const answer = (status: number, body: unknown, contentType = 'application/json') => ({ status, contentType, body: typeof body === 'string' ? body : JSON.stringify(body) });
const good = { status: 'ok', version: '1.5.0', db: 'up' };

describe('assessHealthAnswer', () => {
  it('is healthy only on 2xx, at both ends of the range', () => {
    expect([199, 200, 299, 300].map((s) => assessHealthAnswer(answer(s, good), exp()).healthy)).toEqual([false, true, true, false]);
    expect(assessHealthAnswer(answer(200, good), exp())).toEqual({ healthy: true, version: '1.5.0', json: good });
  });

  it('names the HTTP status, with "(db down)" only when the body says the database is down', () => {
    const reason = (status: number, body: unknown, over: Partial<HealthExpectations> = {}) => {
      const a = assessHealthAnswer(answer(status, body), exp(over));
      return a.healthy ? 'healthy' : a.reason;
    };
    expect(reason(503, { db: 'down' })).toBe('HTTP 503 (db down)');
    expect(reason(503, { db: 'up' })).toBe('HTTP 503');
    expect(reason(503, { status: 'x' })).toBe('HTTP 503');
    expect(reason(503, { db: 'down' }, { dbField: null })).toBe('HTTP 503');
    expect(reason(502, '<html>bad gateway</html>')).toBe('HTTP 502');
    expect(reason(503, { checks: { mongo: 'down' } }, { dbField: 'checks.mongo' })).toBe('HTTP 503 (db down)');
  });

  it('keeps the version and body of a non-2xx JSON answer, and no body when it was not JSON', () => {
    expect(assessHealthAnswer(answer(503, { version: '1.4.2', db: 'down' }), exp())).toEqual({ healthy: false, reason: 'HTTP 503 (db down)', version: '1.4.2', json: { version: '1.4.2', db: 'down' } });
    expect(assessHealthAnswer(answer(502, 'nope', 'text/plain'), exp())).toEqual({ healthy: false, reason: 'HTTP 502' });
  });

  it('refuses a body that is not a JSON object, saying what it was', () => {
    const reason = (body: string, ct: string) => {
      const a = assessHealthAnswer(answer(200, body, ct), exp());
      return a.healthy ? 'healthy' : a.reason;
    };
    expect(reason('<html/>', 'Text/HTML; charset=utf-8')).toBe('not JSON (text/html)');
    expect(reason('{broken', 'application/json; charset=utf-8')).toBe('body is not valid JSON');
    expect(reason('null', 'application/json')).toBe('body is not valid JSON');
    expect(reason('"1.5.0"', 'application/json')).toBe('body is not valid JSON');
    expect(reason('ok', '')).toBe('not JSON (no content-type)');
    expect(reason('ok', ' ; charset=utf-8')).toBe('not JSON (no content-type)');
  });

  it('insists on the expected version: missing, other, or a number that matches', () => {
    const a = (body: unknown, over: Partial<HealthExpectations> = {}) => assessHealthAnswer(answer(200, body), exp(over));
    expect(a({ db: 'up' })).toEqual({ healthy: false, reason: 'no version in the body (field "version"), expected 1.5.0', json: { db: 'up' } });
    expect(a({ db: 'up', version: true })).toMatchObject({ healthy: false, reason: 'no version in the body (field "version"), expected 1.5.0' });
    expect(a({ db: 'up', version: '1.4.2' })).toEqual({ healthy: false, reason: 'version 1.4.2 still serving, expected 1.5.0', version: '1.4.2', json: { db: 'up', version: '1.4.2' } });
    expect(a({ db: 'up', version: 2 }, { expectVersion: '2' })).toEqual({ healthy: true, version: '2', json: { db: 'up', version: 2 } });
    expect(a({ db: 'up', build: { v: '1.5.0' } }, { versionField: 'build.v' })).toMatchObject({ healthy: true, version: '1.5.0' });
    // No expected version: any version passes, and is still reported.
    expect(a({ db: 'up', version: '0.0.1' }, { expectVersion: undefined })).toEqual({ healthy: true, version: '0.0.1', json: { db: 'up', version: '0.0.1' } });
    expect(a({ db: 'up' }, { expectVersion: undefined })).toEqual({ healthy: true, json: { db: 'up' } });
  });

  it('insists on the database being up unless told not to check it', () => {
    const a = (body: unknown, over: Partial<HealthExpectations> = {}) => assessHealthAnswer(answer(200, body), exp(over));
    expect(a({ version: '1.5.0' })).toEqual({ healthy: false, reason: 'no db status in the body (field "db")', version: '1.5.0', json: { version: '1.5.0' } });
    expect(a({ version: '1.5.0', db: 'down' })).toEqual({ healthy: false, reason: 'db down', version: '1.5.0', json: { version: '1.5.0', db: 'down' } });
    expect(a({ version: '1.5.0' }, { dbField: null })).toMatchObject({ healthy: true });
    expect(a({ db: 'down' }, { expectVersion: undefined })).toEqual({ healthy: false, reason: 'db down', json: { db: 'down' } });
  });
});

describe('the database the app reports (issue 13: MONGODB_URI fell back to a development value)', () => {
  const named = (body: unknown, over: Partial<HealthExpectations> = {}) => assessHealthAnswer(answer(200, body), exp({ dbNameField: 'dbName', expectDbName: 'notesproduction', ...over }));

  it('fails a healthy-looking answer from an app on another database, naming both', () => {
    expect(named({ ...good, dbName: 'notes_dev' })).toEqual({ healthy: false, reason: 'app uses database "notes_dev", expected "notesproduction"', version: '1.5.0', json: { ...good, dbName: 'notes_dev' } });
    expect(named({ ...good, dbName: 'notesproduction' })).toMatchObject({ healthy: true });
  });

  it('passes when the body does not name its database, or nothing is expected', () => {
    expect(named(good)).toMatchObject({ healthy: true });
    expect(named({ ...good, dbName: 'other' }, { expectDbName: undefined })).toMatchObject({ healthy: true });
    expect(named({ ...good, dbName: 'other' }, { dbNameField: null })).toMatchObject({ healthy: true });
    expect(named({ ...good, app: { db: { name: 'x' } } }, { dbNameField: 'app.db.name' })).toMatchObject({ healthy: false, reason: 'app uses database "x", expected "notesproduction"' });
  });
});

describe('health body reading', () => {
  it('reads dotted paths, stopping at anything that is not an object', () => {
    expect(readPath({ a: { b: { c: 1 } } }, 'a.b.c')).toBe(1);
    expect(readPath({ a: null }, 'a.b')).toBeUndefined();
    expect(readPath({ a: 'text' }, 'a.length')).toBeUndefined();
    expect(readPath(null, 'a')).toBeUndefined();
    expect(readPath({ a: [10, 20] }, 'a.1')).toBe(20);
  });

  it('knows what "up" looks like', () => {
    for (const v of [true, 'up', ' UP ', 'ok', 'healthy', 'Connected', 'pass', 'true', { status: 'ok' }, { status: { status: 'up' } }]) expect(isUp(v)).toBe(true);
    for (const v of [false, 'down', '', 'false', 1, null, undefined, {}, { status: 'down' }, ['up']]) expect(isUp(v)).toBe(false);
  });
});
