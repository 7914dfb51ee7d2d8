/**
 * `shipgate` — the command line. A thin shell: it parses arguments, calls the engine and presents
 * results. Each area registers its commands from pipeline/cli/commands/<area>.ts; only the module
 * of the command being run is loaded (commands/index.ts), so `shipgate --help` or
 * `shipgate migrate …` start without the release engine.
 *
 * Exit codes: 0 success; 1 a gate failed, a check found problems, or an operation failed;
 * 2 bad usage (unknown command, bad argument); 3 the config file is invalid; 130 interrupted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { presentError, isShipgateError } from '../errors.ts';
import { shipgateHome } from '../repo.ts';
import { commandEntries, commandWord, type CommandEntry } from './commands/index.ts';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(shipgateHome, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The command being run: the first word of argv (`help <command>` means <command>). */
export function requestedCommand(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * Registers the modules of the requested command (every module with `all`); every other command
 * is listed by its entry alone (name, description), so help and "unknown command" suggestions
 * stay complete without loading anything.
 */
export async function registerCommands(
  program: Command,
  argv: readonly string[],
  opts: { all?: boolean; entries?: readonly CommandEntry[] } = {},
): Promise<void> {
  const entries = opts.entries ?? commandEntries;
  const wanted = requestedCommand(argv);
  const toLoad = new Set<CommandEntry['load']>(entries.filter((e) => opts.all || commandWord(e) === wanted).map((e) => e.load));
  for (const entry of entries) {
    if (toLoad.delete(entry.load)) (await entry.load()).register(program);
    if (program.commands.some((c) => c.name() === commandWord(entry))) continue; // registered by its module
    const stub = program.command(entry.name).description(entry.description);
    if (entry.options) stub.addOption(new Option('--shipgate-listed-only').hideHelp());
  }
}

export function newProgram(): Command {
  return new Command('shipgate')
    .description('Gated, audited releases from staging to production: migrations, health, smoke, load, approval, DNS.')
    .version(packageVersion())
    .showHelpAfterError('(run `shipgate --help` for the commands)')
    .exitOverride();
}

export async function main(argv: string[]): Promise<number> {
  const program = newProgram();
  try {
    await registerCommands(program, argv);
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    console.error(presentError(err, 'terminal'));
    if (process.env.SHIPGATE_DEBUG && err instanceof Error) console.error(err.stack);
    return isShipgateError(err) ? err.exitCode : 1;
  }
}

/** Runs the CLI as the process: bin/shipgate.js calls this. */
export function runCli(argv: string[] = process.argv.slice(2)): void {
  void main(argv).then((code) => {
    process.exitCode = code;
    // Every command closes what it opened; should something stay open anyway (a bug), exit
    // rather than hang, and say so. The timer itself does not keep the process alive.
    setTimeout(() => {
      console.error('shipgate: a connection or timer was left open after the command finished (a bug); exiting');
      process.exit(code);
    }, 1000).unref();
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runCli();
