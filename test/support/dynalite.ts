import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createIncidentsTable } from '../../lambdas/adapters/dynamodb-incidents-table';
import { waitForJsonLine } from './child-process';
import { stopChild } from './fauxqs';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  /** A fresh incidents table (keys and GSIs from core/incidents/schema.ts) with a unique name. */
  createTable(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * dynalite on 127.0.0.1 and a free port, in memory. Both modes are reliable in jest (15 start → create table →
 * write → stop cycles each, no failure); in-process starts in ~30 ms against ~275 ms for a child, so tests use it.
 * `child` runs dynalite in its own `node` process (a one-line script: the CLI treats --port 0 as "default 4567"):
 * the storm benchmark uses it so the store does not share the handler's event loop and core.
 */
export async function startDynalite(mode: 'in-process' | 'child' = 'in-process'): Promise<LocalDynamo> {
  const { endpoint, close } = mode === 'in-process' ? await startInProcess() : await startChild();
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const documents = DynamoDBDocumentClient.from(client);
  let tables = 0;
  return {
    endpoint,
    client,
    documents,
    async createTable() {
      tables += 1;
      const tableName = `incidents-${process.pid}-${tables}`;
      await createIncidentsTable(client, tableName);
      return tableName;
    },
    async stop() {
      client.destroy();
      await close();
    },
  };
}

const DYNALITE_OPTIONS = { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 };

async function startInProcess(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  // dynalite has no type declarations.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (options: typeof DYNALITE_OPTIONS) => Server;
  const server = dynalite(DYNALITE_OPTIONS);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function startChild(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const script = `
const server = require('dynalite')(${JSON.stringify(DYNALITE_OPTIONS)});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;
  const child = spawn(process.execPath, ['-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const { port } = await waitForJsonLine<{ port: number }>(child, 'dynalite');
  return { endpoint: `http://127.0.0.1:${port}`, close: () => stopChild(child) };
}
