/**
 * The local router as a standalone process (started detached by the `local` DNS provider; it
 * outlives the release that started it, `npm stop` stops it):
 *
 *   node --import tsx pipeline/dns/router-main.ts --listen 4000 --control 4001 --state .shipgate/local [--target URL] [--log FILE]
 *
 * Proxies 127.0.0.1:<listen> to the current target, takes switches on 127.0.0.1:<control>,
 * records its pid, ports and target in the state file, and prints `ready` once both listen.
 * Without --target it resumes the target recorded in the state file.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { readLocalState, updateLocalState } from '../local/state.ts';
import { startLocalRouter } from './local-router.ts';
import { startRouterControl } from './router-control.ts';

const port = z.coerce.number().int().min(0).max(65535);
const argsSchema = z.object({
  listen: port,
  control: port.default(0),
  state: z.string().min(1),
  target: z.string().optional(),
  log: z.string().default(''),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { listen: { type: 'string' }, control: { type: 'string' }, state: { type: 'string' }, target: { type: 'string' }, log: { type: 'string' } },
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    console.error(`router-main: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
    console.error('usage: router-main.ts --listen <port> [--control <port>] --state <dir> [--target <url>] [--log <file>]');
    process.exitCode = 2;
    return;
  }
  const args = parsed.data;
  const resumed = args.target ?? (await readLocalState(args.state)).router?.target ?? null;
  const router = await startLocalRouter({ listenPort: args.listen, target: resumed });
  const control = await startRouterControl({
    router,
    port: args.control,
    onSwitch: async (target) => {
      console.log(`router: ${new Date().toISOString()} now → ${target ?? '(no target)'}`);
      await updateLocalState(args.state, (s) => {
        if (s.router?.pid === process.pid) s.router.target = target;
      });
    },
  });
  await updateLocalState(args.state, (s) => {
    s.router = { pid: process.pid, listenPort: router.port, controlPort: control.port, target: router.target, logFile: args.log, startedAt: new Date().toISOString() };
  });

  const shutdown = async (signal: string) => {
    console.log(`router: ${signal}, closing`);
    await Promise.allSettled([control.close(), router.close()]);
    await updateLocalState(args.state, (s) => {
      if (s.router?.pid === process.pid) s.router = null;
    }).catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  console.log(`router: proxy ${router.url} → ${router.target ?? '(no target)'}, control ${control.url}`);
  console.log('ready');
}

main().catch((err: unknown) => {
  console.error(`router-main: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
