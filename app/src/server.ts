/**
 * Entry point: `node --import tsx app/src/server.ts`. Reads env (validated, with messages that
 * name the variable), starts the app, and shuts down gracefully on SIGTERM/SIGINT: stop
 * accepting, finish in-flight requests (at most 10 s), close the Mongo client, exit 0.
 */
import { z } from 'zod';
import { redactUri } from '../../pipeline/secrets/redact.ts';
import { createApp } from './app.ts';
import { createLogger, LOG_LEVELS } from './log.ts';

const intFrom = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `${name} must be from ${min} to ${max}`).max(max, `${name} must be from ${min} to ${max}`));

export const envSchema = z.object({
  MONGODB_URI: z
    .string({ error: 'MONGODB_URI is required: set it to the MongoDB connection string, e.g. mongodb://127.0.0.1:27017/notes' })
    .regex(/^mongodb(\+srv)?:\/\//, 'MONGODB_URI must start with mongodb:// or mongodb+srv://'),
  PORT: intFrom('PORT', 0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  APP_VERSION: z.string().min(1).default('0.0.0-dev'),
  APP_COMMIT: z.string().min(1).default('unknown'),
  REQUEST_TIMEOUT_MS: intFrom('REQUEST_TIMEOUT_MS', 1, 600_000).default(10_000),
  APP_FAULT_TOKEN: z.string().min(16, 'APP_FAULT_TOKEN must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
});

async function main(): Promise<void> {
  const raw = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => i.message);
    createLogger().error('invalid environment', { problems });
    for (const p of problems) process.stderr.write(`notes: ${p}\n`);
    process.exit(1);
  }
  const env = parsed.data;
  const logger = createLogger({ level: env.LOG_LEVEL });
  const app = createApp({
    mongoUri: env.MONGODB_URI,
    version: env.APP_VERSION,
    commit: env.APP_COMMIT,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    logger,
    ...(env.APP_FAULT_TOKEN ? { faultToken: env.APP_FAULT_TOKEN } : {}),
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    app.close().then(
      () => {
        logger.info('stopped', { signal });
        process.exit(0);
      },
      (err: unknown) => {
        logger.error('shutdown failed', { error: err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  try {
    const port = await app.listen(env.PORT, env.HOST);
    logger.info('listening', {
      port,
      host: env.HOST,
      version: env.APP_VERSION,
      commit: env.APP_COMMIT,
      db: app.db().databaseName,
      mongoUri: redactUri(env.MONGODB_URI),
    });
  } catch (err) {
    logger.error('cannot listen', { port: env.PORT, host: env.HOST, error: err });
    process.exit(1);
  }
}

await main();
