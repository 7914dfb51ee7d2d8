/** Keeps docs/cli.md's "Common flags" true to the commands as registered. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { repoRoot } from '../mongo/embedded.ts';
import { newProgram, registerCommands } from './main.ts';
import { DEFAULT_STATE_PATH } from '../repo.ts';

const doc = readFileSync(join(repoRoot, 'docs/cli.md'), 'utf8');
const rowOf = (flag: string) => doc.split('\n').find((l) => l.startsWith(`| \`${flag}`)) ?? '';
/** The commands in backticks in a row's "taken by" cell, up to a `;` (what follows points elsewhere). */
function takenBy(flag: string): string[] {
  const cell = (rowOf(flag).split(' | ')[1] ?? '').split(';')[0] as string;
  return [...cell.matchAll(/`([a-z ]+)`/g)].map((m) => m[1] as string);
}

async function commands(): Promise<Map<string, Command>> {
  const program = newProgram();
  await registerCommands(program, [], { all: true });
  const all = new Map<string, Command>();
  const walk = (c: Command, prefix: string) => {
    for (const sub of c.commands) {
      const name = `${prefix}${sub.name()}`;
      all.set(name, sub);
      walk(sub, `${name} `);
    }
  };
  walk(program, '');
  return all;
}
const flags = (c: Command) => c.options.map((o) => o.flags);

describe('docs/cli.md common flags', () => {
  it('-f/--config, --as and --env are taken by exactly the commands the table lists', async () => {
    const all = await commands();
    const check = (flag: string, has: (c: Command) => boolean) => {
      const listed = takenBy(flag);
      expect(listed.length, `${flag} row`).toBeGreaterThan(2);
      for (const name of listed) {
        expect(all.has(name), `docs list "${name}" for ${flag}, a command that does not exist`).toBe(true);
        expect(has(all.get(name) as Command), `${name} should take ${flag}`).toBe(true);
      }
      return listed;
    };
    check('-f, --config <file>', (c) => flags(c).includes('-f, --config <file>'));
    const withAs = check('--as <person>', (c) => flags(c).includes('--as <person>'));
    check('--env <name>', (c) => flags(c).includes('--env <name>'));
    // Only those take --as (read-only commands do not pretend an identity matters).
    const actual = [...all].filter(([, c]) => flags(c).includes('--as <person>')).map(([n]) => n).filter((n) => !n.startsWith('migrate'));
    expect(actual.sort()).toEqual([...withAs].sort());
  });

  it('states the SHIPGATE_STATE_DIR default the code uses, relative to the repository root', () => {
    expect(doc.replace(/\s+/g, ' ')).toContain(`default \`${DEFAULT_STATE_PATH}\` in the repository root; a relative value is relative to the repository root`);
  });
});
