import { describe, expect, it } from 'vitest';
import { redactDeep, redactText, redactUri, registerSecret } from './redact.ts';

describe('redaction', () => {
  it('masks the password of a connection string but keeps user and host', () => {
    expect(redactUri('mongodb+srv://app:s3cr3t-pw@cluster0.abc.mongodb.net/prod?retryWrites=true')).toBe(
      'mongodb+srv://app:***@cluster0.abc.mongodb.net/prod?retryWrites=true',
    );
  });
  it('masks Slack, GitHub and bearer tokens in free text', () => {
    const out = redactText('token xoxb-1234-5678-abcdef and ghp_abcdefghijklmnopqrstuvwxyz0123 Bearer abc.def.ghi-jkl-mno');
    expect(out).not.toMatch(/xoxb-1234|ghp_abcdefghij|abc\.def\.ghi/);
  });
  it('masks registered values wherever they appear', () => {
    registerSecret('hunter2-signing');
    expect(redactText('signed with hunter2-signing!')).toBe('signed with ***!');
  });
  it('masks secret-named keys in records', () => {
    expect(redactDeep({ a: { password: 'x', nested: ['mongodb://u:p4ss@h/db'] } })).toEqual({
      a: { password: '***', nested: ['mongodb://u:***@h/db'] },
    });
  });
});
