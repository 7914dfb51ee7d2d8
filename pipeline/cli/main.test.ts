/**
 * The CLI loads only the module of the command being run; `shipgate --help` lists every command
 * from commands/index.ts without loading any. That list must say exactly what the modules
 * register (a command added to a module but not to the list would be unreachable).
 */
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { newProgram, registerCommands, requestedCommand } from './main.ts';
import { commandEntries, commandWord, type CommandEntry, type CommandModule } from './commands/index.ts';

async function helpOf(argv: string[], opts: { all?: boolean; entries?: CommandEntry[] } = {}): Promise<{ program: Command; help: string; output: () => string }> {
  let out = '';
  // Output settings are copied to subcommands when they are created: set them first.
  const program = newProgram().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  await registerCommands(program, argv, opts);
  return { program, help: program.helpInformation(), output: () => out };
}

/** Parses like main.ts does; commander's exits (help shown, usage errors) end the parse. */
async function run(program: Command, argv: string[]): Promise<void> {
  await program.parseAsync(argv, { from: 'user' }).catch((e: unknown) => {
    if (!(e instanceof Error && 'code' in e && String(e.code).startsWith('commander.'))) throw e;
  });
}

describe('shipgate --help', () => {
  it('lists every command as its module registers it (commands/index.ts matches the modules)', async () => {
    const listed = await helpOf(['--help']);
    const registered = await helpOf([], { all: true });
    expect(listed.help).toBe(registered.help);
    // Every top-level command of the modules has its entry, in the modules' order.
    expect(registered.program.commands.map((c) => c.name())).toEqual(commandEntries.map(commandWord));
  });

  it('a command run with only its module loaded has the same help as with every module', async () => {
    for (const entry of commandEntries) {
      const word = commandWord(entry);
      const alone = await helpOf([word, '--help']);
      const all = await helpOf([], { all: true });
      const one = (p: Command) => p.commands.find((c) => c.name() === word)!.helpInformation();
      expect(one(alone.program), word).toBe(one(all.program));
    }
  });
});

describe('registerCommands', () => {
  function entries() {
    const calls: string[] = [];
    const mod = (name: string, words: string[]): (() => Promise<CommandModule>) => async () => {
      calls.push(name);
      return { register: (p) => words.forEach((w) => p.command(w).description(`real ${w}`).action(() => undefined)) };
    };
    const a = mod('A', ['alpha']);
    const b = mod('B', ['beta', 'gamma <id>']);
    const list: CommandEntry[] = [
      { name: 'alpha', description: 'listed alpha', load: a },
      { name: 'beta', description: 'listed beta', load: b },
      { name: 'gamma <id>', description: 'listed gamma', load: b },
    ];
    return { calls, list };
  }

  it('loads only the module of the requested command, once', async () => {
    const { calls, list } = entries();
    const { program } = await helpOf(['gamma', '42', '--verbose'], { entries: list });
    expect(calls).toEqual(['B']);
    expect(program.commands.map((c) => `${c.name()}: ${c.description()}`)).toEqual(['alpha: listed alpha', 'beta: real beta', 'gamma: real gamma <id>']);
  });

  it('loads nothing for --help, and `help <command>` loads that command', async () => {
    const first = entries();
    await helpOf(['--help'], { entries: first.list });
    expect(first.calls).toEqual([]);
    const second = entries();
    await helpOf(['help', 'gamma'], { entries: second.list });
    expect(second.calls).toEqual(['B']);
  });

  it('requestedCommand skips options and reads through `help`', () => {
    expect(requestedCommand(['--help'])).toBeUndefined();
    expect(requestedCommand(['-V'])).toBeUndefined();
    expect(requestedCommand(['migrate', 'apply', '--env', 'production'])).toBe('migrate');
    expect(requestedCommand(['help', 'status'])).toBe('status');
  });
});

describe('the real CLI, lazily registered', () => {
  it('`shipgate help status` shows the status command (its module registers release too)', async () => {
    const { program, output } = await helpOf(['help', 'status']);
    await run(program, ['help', 'status']);
    expect(output()).toMatch(/Usage: shipgate status/);
  });

  it('an unknown command is refused with the known ones still suggested', async () => {
    const { program, output } = await helpOf(['relase']);
    await run(program, ['relase']);
    expect(output()).toMatch(/unknown command 'relase'[\s\S]*Did you mean release\?/);
  });
});
