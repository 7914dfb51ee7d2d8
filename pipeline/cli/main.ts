/**
 * `shipgate` — the command line. A thin shell: it parses arguments, calls the engine and presents
 * results. Each area registers its commands from pipeline/cli/commands/<area>.ts.
 *
 * Exit codes: 0 success; 1 a gate failed, a check found problems, or an operation failed;
 * 2 bad usage (unknown command, bad argument); 3 the config file is invalid; 130 interrupted.
 */
import { Command, CommanderError } from 'commander';
import { presentError, isShipgateError } from '../errors.ts';
import { commandModules } from './commands/index.ts';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('shipgate')
    .description('Gated, audited releases from staging to production: migrations, health, smoke, load, approval, DNS.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(run `shipgate --help` for the commands)')
    .exitOverride();
  for (const mod of commandModules) mod.register(program);
  try {
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

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bin/shipgate.js') || process.argv[1]?.endsWith('/shipgate')) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Every command closes what it opened; should something stay open anyway (a bug), exit
    // rather than hang, and say so. The timer itself does not keep the process alive.
    setTimeout(() => {
      console.error('shipgate: a connection or timer was left open after the command finished (a bug); exiting');
      process.exit(code);
    }, 1000).unref();
  });
}
