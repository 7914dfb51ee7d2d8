/**
 * The bounded body reader on its own (bot/http/body.ts): how a declared Content-Length is read and
 * refused, and what a streamed body that is too long, broken or aborted gives. Node's own HTTP
 * parser refuses most malformed Content-Length headers before our code runs, so these cases are
 * driven on a stream standing in for the request (the only place the reader's own checks show).
 */
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { declaredLength, readBoundedBody, refuseDeclaredLength } from './body.ts';

function request(headers: Record<string, string> = {}): PassThrough & IncomingMessage {
  return Object.assign(new PassThrough(), { headers }) as unknown as PassThrough & IncomingMessage;
}

describe('declared Content-Length', () => {
  it('is a plain non-negative integer of at most 15 digits, or NaN', () => {
    expect(declaredLength(request())).toBeUndefined();
    expect(declaredLength(request({ 'content-length': '0' }))).toBe(0);
    expect(declaredLength(request({ 'content-length': '1048576' }))).toBe(1048576);
    for (const bad of ['', 'abc', '12abc', 'abc12', '-1', '1e3', '1.5', ' 12', '1234567890123456']) {
      expect(declaredLength(request({ 'content-length': bad })), JSON.stringify(bad)).toBeNaN();
    }
  });

  it('malformed is a 400, over the limit a 413, at the limit or absent goes ahead', () => {
    expect(refuseDeclaredLength(request({ 'content-length': '12abc' }), 100)).toEqual({ ok: false, status: 400, problem: 'malformed Content-Length header' });
    expect(refuseDeclaredLength(request({ 'content-length': '101' }), 100)).toEqual({ ok: false, status: 413, problem: 'body over the limit of 100 bytes' });
    expect(refuseDeclaredLength(request({ 'content-length': '100' }), 100)).toBeUndefined();
    expect(refuseDeclaredLength(request(), 100)).toBeUndefined();
  });
});

describe('readBoundedBody', () => {
  it('counts every byte: 11 bytes over a limit of 10 are refused, within 11 they are the body', async () => {
    const req = request();
    const read = readBoundedBody(req, 10);
    req.write('hello ');
    req.end('world');
    expect(await read).toEqual({ ok: false, status: 413, problem: 'body over the limit of 10 bytes' });
    const ok = request();
    const got = readBoundedBody(ok, 11);
    ok.write('hello ');
    ok.end('world');
    const r = await got;
    expect(r.ok && r.body.toString()).toBe('hello world');
  });

  it('a declared length over the limit is refused before anything is read', async () => {
    const req = request({ 'content-length': '999' });
    expect(await readBoundedBody(req, 10)).toMatchObject({ ok: false, status: 413 });
    expect(req.listenerCount('data')).toBe(0);
  });

  it('stops reading at the limit: the rest of the stream is not consumed', async () => {
    const req = request();
    const read = readBoundedBody(req, 4);
    req.write('12345');
    expect(await read).toMatchObject({ ok: false, status: 413 });
    expect(req.listenerCount('data')).toBe(0);
    expect(req.isPaused()).toBe(true);
  });

  it('a broken or aborted request is a 400, not a body', async () => {
    const broken = request();
    const a = readBoundedBody(broken, 100);
    broken.write('par');
    broken.emit('error', new Error('socket hang up'));
    expect(await a).toEqual({ ok: false, status: 400, problem: 'the request body could not be read' });
    const aborted = request();
    const b = readBoundedBody(aborted, 100);
    aborted.emit('aborted');
    expect(await b).toEqual({ ok: false, status: 400, problem: 'the request was aborted' });
  });
});
