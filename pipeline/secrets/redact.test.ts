import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TOKEN_PATTERNS, maskPrivateKeys, maskUrlCredentials, redactDeep, redactText, redactUri, registerSecret, secretPartsOf } from './redact.ts';

/** A value no other test registers (the registry is process-global). */
const unique = (prefix: string) => `${prefix}${randomBytes(8).toString('hex')}`;
const pattern = (name: string) => {
  const p = TOKEN_PATTERNS.find((x) => x.name === name);
  if (!p) throw new Error(`no pattern ${name}`);
  return (text: string) => text.replace(p.re, p.replace as never);
};

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

describe('each token pattern alone', () => {
  it('slack: bot, user and refresh tokens keep only their prefix, even inside a word or URL-encoded', () => {
    const slack = pattern('slack');
    expect(slack('xoxb-1234-5678-abcdef')).toBe('xoxb-***');
    expect(slack('xoxp-99-aaaaaaa')).toBe('xoxp-***');
    expect(slack('auth=Bearer%20xoxb-1234-5678-abcdef&x=1')).toBe('auth=Bearer%20xoxb-***&x=1');
    expect(slack('xoxb-12')).toBe('xoxb-12'); // too short to be a token
  });
  it('slack-app: app-level tokens', () => {
    expect(pattern('slack-app')('conn xapp-1-A0123-456-abcdef!')).toBe('conn xapp-***!');
  });
  it('github: ghp_/gho_/ghu_/ghs_/ghr_ tokens', () => {
    const gh = pattern('github');
    for (const p of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']) expect(gh(`t=${p}abcdefghijklmnopqrstuvwxyz0123`)).toBe(`t=${p}***`);
    expect(gh('ghp_short')).toBe('ghp_short');
  });
  it('github-pat: fine-grained tokens', () => {
    expect(pattern('github-pat')('github_pat_11ABCDEFG0123456789_abcdefghijklmnop end')).toBe('github_pat_*** end');
  });
  it('stripe: secret and restricted keys', () => {
    expect(pattern('stripe')('key sk_live_abcdefghij0123 rk_test_0123456789ab')).toBe('key sk_live_*** rk_test_***');
  });
  it('bearer: Bearer and token headers, any case', () => {
    const b = pattern('bearer');
    expect(b('Authorization: Bearer abc.def.ghi-jkl-mno')).toBe('Authorization: Bearer ***');
    expect(b('Authorization: token 0123456789abcdef')).toBe('Authorization: token ***');
    expect(b('the token is short')).toBe('the token is short');
  });
  it('query: secret-named parameters in any URL or query string, other parameters kept', () => {
    const q = pattern('query');
    expect(q('https://api.render.com/deploy/srv-abc?key=k9f8e7d6&ref=main')).toBe('https://api.render.com/deploy/srv-abc?key=***&ref=main');
    expect(q('GET /status?access_token=abc123&page=2')).toBe('GET /status?access_token=***&page=2');
    expect(q('mongodb://h/db?authSource=admin&tlsCertificateKeyFilePassword=pw123')).toBe('mongodb://h/db?authSource=admin&tlsCertificateKeyFilePassword=***');
    expect(q('https://x.example/s?X-Amz-Signature=abcdef&X-Amz-Credential=AKIA/1')).toBe('https://x.example/s?X-Amz-Signature=***&X-Amz-Credential=***');
  });
  it('connection strings: the password only, user, host, database and options kept', () => {
    expect(maskUrlCredentials('mongodb://user:pw@host/db')).toBe('mongodb://user:***@host/db');
    expect(maskUrlCredentials('failed on mongodb://u:p%40ss@h1:27017,h2:27017/app?replicaSet=rs0 and redis://:rpw@cache:6379')).toBe(
      'failed on mongodb://u:***@h1:27017,h2:27017/app?replicaSet=rs0 and redis://:***@cache:6379',
    );
    expect(maskUrlCredentials('{"uri":"postgres://a:b@c/d"}')).toBe('{"uri":"postgres://a:***@c/d"}');
    expect(maskUrlCredentials('git clone https://0123456789abcdef0123456789abcdef@github.com/acme/api')).toBe('git clone https://***@github.com/acme/api');
    expect(maskUrlCredentials('https://ana@example.com/x')).toBe('https://ana@example.com/x'); // a user name is not a secret
    expect(maskUrlCredentials('a://b://u:p@h')).toBe('a://b://u:***@h'); // nested scheme
    expect(maskUrlCredentials('mongodb://u:p@ss@h/db')).toBe('mongodb://u:***@h/db'); // unencoded @ in the password
  });
  it('private keys: the whole block, and a truncated key up to the end', () => {
    const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabcd\n-----END RSA PRIVATE KEY-----';
    expect(maskPrivateKeys(`key: ${key} done`)).toBe('key: -----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY----- done');
    expect(maskPrivateKeys('cut: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq')).toBe('cut: -----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY-----');
    expect(maskPrivateKeys('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----')).toBe('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----');
  });
});

describe('registering connection strings and URLs', () => {
  it('registers the password of a connection string, not its host, user or database', () => {
    const pw = unique('pw');
    expect(secretPartsOf(`mongodb://app:${pw}@db.example.com:27017/prod?authSource=admin`)).toEqual([pw]);
    registerSecret(`mongodb://app:${pw}@db.example.com:27017/prod?authSource=admin`);
    // f327ec6 registered the whole string: "cannot reach ***" named no server.
    expect(redactText(`cannot reach mongodb://app:${pw}@db.example.com:27017/prod?authSource=admin`)).toBe('cannot reach mongodb://app:***@db.example.com:27017/prod?authSource=admin');
    expect(redactText(`could not reach db.example.com as app (password ${pw})`)).toBe('could not reach db.example.com as app (password ***)');
    expect(redactText('mongodb://db.example.com:27017/prod')).toBe('mongodb://db.example.com:27017/prod');
  });
  it('registers an URL-encoded password in both forms', () => {
    expect(secretPartsOf('mongodb://app:p%40ss%2Fw0rd@h/db')).toEqual(['p%40ss%2Fw0rd', 'p@ss/w0rd']);
  });
  it('registers token-looking path segments and secret query values of web URLs', () => {
    expect(secretPartsOf('https://hooks.slack.com/services/T0000/B0000/XXXXabcd1234XXXXabcd1234')).toEqual(['XXXXabcd1234XXXXabcd1234']);
    expect(secretPartsOf('https://api.render.com/deploy/srv-abc?key=k9f8e7d6c5&ref=main')).toEqual(['k9f8e7d6c5']);
    expect(secretPartsOf('https://hooks.slack.com/services/T0000/B0000/AbcdEfghIjklMnopQrstUvwx')).toEqual(['AbcdEfghIjklMnopQrstUvwx']); // no digit, both cases
    expect(secretPartsOf('https://status.example.com/deploys/notes-production-deployments')).toEqual([]);
  });
  it('registers a token used as the user, and token-looking values of any query parameter', () => {
    expect(secretPartsOf('https://0123456789abcdef0123456789abcdef@github.com/acme/api.git')).toEqual(['0123456789abcdef0123456789abcdef']);
    expect(secretPartsOf('https://x.example/status?state=9f8e7d6c5b4a3210aa&page=2')).toEqual(['9f8e7d6c5b4a3210aa']);
  });
  it('never registers text that is already masked', () => {
    registerSecret('pre-***-post');
    expect(redactText('pre-***-post')).toBe('pre-***-post');
  });
  it('a URL ends at whitespace: credentials-like text after it is not taken for its password', () => {
    expect(maskUrlCredentials('at https://example.com now, mail ana:x@example.org')).toBe('at https://example.com now, mail ana:x@example.org');
  });
  it('a value without a scheme is registered whole; a multi-line key also line by line and JSON-escaped', () => {
    expect(secretPartsOf('acme/notes')).toEqual(['acme/notes']);
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
    const parts = secretPartsOf(pem);
    expect(parts).toContain(pem);
    expect(parts).toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
    expect(parts).toContain(JSON.stringify(pem).slice(1, -1));
    registerSecret(pem);
    expect(redactText('bad key line MIIEvQIBADANBgkqhkiG9w0BAQEFAASC')).toBe('bad key line ***');
  });
  it('masks overlapping registered values longest first', () => {
    const short = unique('s');
    registerSecret(short);
    registerSecret(`${short}-and-more`);
    expect(redactText(`x ${short}-and-more y ${short}`)).toBe('x *** y ***');
  });
  it('ignores short values, so ordinary words are never masked', () => {
    registerSecret('abc');
    registerSecret('mongodb://u:pw@h/db');
    expect(redactText('abc pw')).toBe('abc pw');
  });
});

/** toBe for long strings: on a difference, shows only where it starts. */
function expectSame(actual: string, expected: string): void {
  if (actual === expected) return;
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  expect({ at: i, actual: actual.slice(Math.max(0, i - 40), i + 80), actualLength: actual.length, expectedLength: expected.length }).toEqual({ at: -1 });
}

describe('hostile input (linear scanners: correctness here, timing in bench/redact.ts)', () => {
  const n = 20_000;
  it('repeated schemes without credentials are left alone', () => {
    const text = 'mongodb://'.repeat(n);
    expectSame(redactText(text), text);
  });
  it('long runs of @ and : after a scheme mask the password part once', () => {
    expectSame(redactText(`mongodb://${'@:'.repeat(n)}`), 'mongodb://@:***@:');
    expectSame(redactText(`mongodb://u${':'.repeat(n)}@h`), 'mongodb://u:***@h');
    const ats = '@'.repeat(n);
    expectSame(redactText(ats), ats);
  });
  it('repeated token prefixes are one token, or none when too short', () => {
    expectSame(redactText('xoxb-'.repeat(n)), 'xoxb-***');
    const short = 'xoxb-1 '.repeat(n);
    expectSame(redactText(short), short);
  });
  it('BEGIN lines without an END mask to the end; without PRIVATE KEY they are left alone', () => {
    expectSame(redactText(`a ${'-----BEGIN PRIVATE KEY-----'.repeat(n)}`), 'a -----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY-----');
    const certs = '-----BEGIN '.repeat(n);
    expectSame(redactText(certs), certs);
  });
  it('a long lowercase run, query separators and bearer words with no token stay as they are', () => {
    const runs = [`${'a'.repeat(n)}://x`, '?&'.repeat(n), 'token '.repeat(n), '='.repeat(n)].join('\n!\n');
    expectSame(redactText(runs), runs);
  });
  it('mixed megabyte: every planted secret is masked and every host kept', () => {
    const secrets: string[] = [];
    const lines: string[] = [];
    for (let i = 0; i < 500; i++) {
      const pw = `pw${i}x${randomBytes(6).toString('hex')}`;
      secrets.push(pw);
      lines.push(`connect mongodb://user${i}:${pw}@host${i}.example.com/db ${'mongodb://'.repeat(20)} ${'@:'.repeat(50)} xoxb-${i}-${'a'.repeat(20)}`);
    }
    const out = redactText(lines.join('\n'));
    for (const s of secrets) expect(out).not.toContain(s);
    expect(out).toContain('user499:***@host499.example.com/db');
    expect(out).not.toMatch(/xoxb-\d/);
  });
});
