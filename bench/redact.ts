/**
 * bench/redact: time to redact 1 MB of mixed, partly hostile text — connection strings, tokens,
 * private keys, and the near-misses that made the old redactor quadratic ('mongodb://' repeated,
 * long runs of '@' and ':', 'xoxb-' repeated, BEGIN lines with no END) — with 20 registered
 * secrets. Baselines in the same run, over the same text: a plain `text.replaceAll(secret, '***')`
 * for one secret, and a `Buffer.from(text).toString()` round trip. Target: < 50 ms per MB.
 * Run: npx tsx bench/redact.ts [--mb 1] [--rounds 15]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { redactText, registerSecret } from '../pipeline/secrets/redact.ts';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '1' }, rounds: { type: 'string', default: '15' } } });
const size = Math.round(Number(values.mb) * 1024 * 1024);
const rounds = Number(values.rounds);

const secrets = Array.from({ length: 20 }, (_, i) => `sec${i}-${randomBytes(12).toString('hex')}`);
for (const s of secrets) registerSecret(s);
registerSecret(`mongodb://app:${randomBytes(10).toString('hex')}@db.example.com/prod`);

/** Blocks of ~4 KB, each a different kind, repeated until the text has `size` characters. */
function corpus(): string {
  const blocks = [
    () => `connect mongodb+srv://app:${randomBytes(8).toString('hex')}@cluster0.abc.mongodb.net/prod?retryWrites=true&w=majority failed\n`.repeat(30),
    () => 'mongodb://'.repeat(400),
    () => '@'.repeat(2000) + ':'.repeat(2000),
    () => `https://x${'@:'.repeat(2000)}`,
    () => 'xoxb-'.repeat(800),
    () => `token xoxb-1234-5678-${randomBytes(10).toString('hex')} Bearer ${randomBytes(16).toString('hex')} ghp_${randomBytes(15).toString('hex')}\n`.repeat(40),
    () => `${'a'.repeat(4000)}://`,
    () => '-----BEGIN '.repeat(360),
    () => `-----BEGIN RSA PRIVATE KEY-----\n${randomBytes(2400).toString('base64')}\n-----END RSA PRIVATE KEY-----\n`,
    () => `lock reason from ${secrets[7]} and ?token=${randomBytes(8).toString('hex')}&page=2 `.repeat(50),
    () => 'token '.repeat(700),
    () => 'The quick brown fox jumps over the lazy dog; nothing to see here. '.repeat(60),
  ];
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const b = blocks[i % blocks.length]!();
    parts.push(b);
    length += b.length;
  }
  return parts.join('').slice(0, size);
}

function best(fn: () => unknown): number {
  let min = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

const text = corpus();
const out = redactText(text); // warm-up, and a check that the planted secrets are gone
for (const s of secrets) if (out.includes(s)) throw new Error(`secret ${s.slice(0, 6)}… not masked`);

const redact = best(() => redactText(text));
const replaceAll = best(() => text.replaceAll(secrets[7]!, '***'));
const buffer = best(() => Buffer.from(text).toString());
const mb = text.length / (1024 * 1024);
console.log(`redactText on ${mb.toFixed(2)} MB (best of ${rounds}): ${redact.toFixed(1)} ms  (target < ${(50 * mb).toFixed(0)} ms)`);
console.log(`baseline replaceAll(one secret):         ${replaceAll.toFixed(1)} ms  → ratio ${(redact / replaceAll).toFixed(1)}×`);
console.log(`baseline Buffer.from(text).toString():   ${buffer.toFixed(1)} ms  → ratio ${(redact / buffer).toFixed(1)}×`);
if (redact > 50 * mb) {
  console.log('✗ slower than the target');
  process.exitCode = 1;
} else console.log('✓ within the target');
