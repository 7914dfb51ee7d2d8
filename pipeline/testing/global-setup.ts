/**
 * Vitest global setup: one MongoDB-compatible server for the whole test run. When MONGODB_URI is
 * set, the suite runs against that server instead (real MongoDB or Atlas), unchanged.
 */
import type { TestProject } from 'vitest/node';
import { startEmbeddedMongo, type EmbeddedMongo } from '../mongo/embedded.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    mongoKind: 'ferretdb' | 'external';
  }
}

let server: EmbeddedMongo | undefined;

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.MONGODB_URI;
  if (external) {
    project.provide('mongoUri', external);
    project.provide('mongoKind', 'external');
    console.log('[shipgate tests] using MONGODB_URI');
    return;
  }
  server = await startEmbeddedMongo();
  project.provide('mongoUri', server.uri);
  project.provide('mongoKind', 'ferretdb');
  console.log(`[shipgate tests] FerretDB ready on ${server.uri} in ${server.startupSeconds.toFixed(2)} s`);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
