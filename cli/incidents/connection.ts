import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as fs from 'node:fs';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_TABLE_NAME, startEmbeddedDynamo } from '../local/embeddedDynamo';

/** Where the incidents live: the local data dir (the default), a deployed table, or any DynamoDB-compatible endpoint. */
export interface ConnectionOptions {
  readonly dataDir: string;
  /** The incidents table's name (the stack outputs it). */
  readonly table?: string;
  readonly region?: string;
  readonly endpoint?: string;
}

export interface IncidentsConnection {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Names the store in messages: "local store ./.denyscope", "table X in eu-west-1". */
  readonly description: string;
  close(): Promise<void>;
}

export class ConnectionError extends Error {}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export async function openIncidentsConnection(options: ConnectionOptions): Promise<IncidentsConnection> {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  // One retry: enough for a blip, few enough that an unreachable endpoint fails in a second, not a minute.
  const maxAttempts = 2;

  if (options.endpoint !== undefined) {
    const url = parseEndpoint(options.endpoint);
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? LOCAL_REGION;
    // Emulators on this machine ignore signatures; a remote endpoint gets the standard credential chain.
    const credentials = LOOPBACK_HOSTS.has(url.hostname) && !hasEnvironmentCredentials() ? LOCAL_CREDENTIALS : undefined;
    const client = new DynamoDBClient({ endpoint: options.endpoint, region, credentials, maxAttempts });
    const tableName = options.table ?? LOCAL_TABLE_NAME;
    return { client, tableName, description: `table ${tableName} at ${options.endpoint}`, close: async () => client.destroy() };
  }

  if (options.table !== undefined) {
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (region === undefined || region === '') {
      throw new ConnectionError(`no region for table ${options.table}: pass --region or set AWS_REGION`);
    }
    const client = new DynamoDBClient({ region, maxAttempts });
    return { client, tableName: options.table, description: `table ${options.table} in ${region}`, close: async () => client.destroy() };
  }

  if (!fs.existsSync(options.dataDir)) {
    throw new ConnectionError(
      `no local store at ${options.dataDir}: run \`denyscope local\` first, or name a deployed table with --table NAME --region R`,
    );
  }
  const store = await startEmbeddedDynamo(options.dataDir);
  const client = new DynamoDBClient({ endpoint: store.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts });
  return {
    client,
    tableName: LOCAL_TABLE_NAME,
    description: `local store ${options.dataDir}`,
    close: async () => {
      client.destroy();
      await store.close();
    },
  };
}

function parseEndpoint(endpoint: string): URL {
  try {
    const url = new URL(endpoint);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  throw new ConnectionError(`--endpoint ${endpoint} is not an http(s) URL`);
}

function hasEnvironmentCredentials(): boolean {
  return Boolean(process.env.AWS_ACCESS_KEY_ID) || Boolean(process.env.AWS_PROFILE);
}
