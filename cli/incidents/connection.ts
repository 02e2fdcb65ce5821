import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as fs from 'node:fs';
import { config as configureZod } from 'zod/mini';
import { en as english } from 'zod/v4/locales';
import { DynamoDbIncidentReader } from '../../lambdas/adapters/dynamodb-incident-reader';
import { DynamoDbIncidentStore } from '../../lambdas/adapters/dynamodb-incident-store';
import { DynamoDbMuteStore } from '../../lambdas/adapters/dynamodb-mute-store';
import { isHttpUrl } from '../../lambdas/adapters/secrets-webhook-url';
import { DEFAULT_ALERT_SETTINGS } from '../../core/incidents/alert-policy';
import type { IncidentReader, IncidentStateStore, MuteStore } from '../../core/incidents/ports';
import { callerArn, osUser } from './actor';
import { OptionError } from '../scan/filters';
import { LOCAL_TABLE_NAME, startEmbeddedDynamo } from '../local/embeddedDynamo';
import { credentialsForEndpoint, LOCAL_CREDENTIALS, LOCAL_REGION, regionOr, silenceSdkNodeVersionNotice } from '../local/endpoints';

// Stored items are checked with zod/mini, whose messages say what was expected only once its English locale is
// loaded: full zod loads it by itself, but the CLI now loads full zod only to read a --policies store.
configureZod(english());

/** Where the incidents live: the local data dir (the default), a deployed table, or any DynamoDB-compatible endpoint. */
export interface ConnectionOptions {
  readonly dataDir: string;
  /** The incidents table's name (the stack outputs it). */
  readonly table?: string;
  readonly region?: string;
  readonly endpoint?: string;
}

export interface IncidentsConnection {
  readonly incidents: IncidentReader;
  /** State changes by people (ack, resolve, reopen). */
  readonly states: IncidentStateStore;
  readonly mutes: MuteStore;
  /** Who is acting: the caller's ARN (sts get-caller-identity) for a table, the OS user for the local store. */
  actor(): Promise<string>;
  /** A DynamoDB table (deployed, or at an endpoint) or the local store (a data dir). */
  readonly kind: 'table' | 'local';
  /** Names the store in messages: "local store ./.denyscope", "table X in eu-west-1". */
  readonly description: string;
  /** What to say when the table is not there (a local store `local` never wrote to is not a typo). */
  readonly missingTable: string;
  close(): Promise<void>;
}

export class ConnectionError extends Error {}

/** The store's read adapter on a client (items as plain objects, the form the adapter's item mapping reads). */
export function readerOf(client: DynamoDBClient, tableName: string): IncidentReader {
  return new DynamoDbIncidentReader(DynamoDBDocumentClient.from(client), tableName);
}

/** The reader, the state and mute writers, on one client. */
function adaptersOf(client: DynamoDBClient, tableName: string): Pick<IncidentsConnection, 'incidents' | 'states' | 'mutes'> {
  const documents = DynamoDBDocumentClient.from(client);
  return {
    incidents: readerOf(client, tableName),
    // State changes write no TTL: the retention setting is not used by them.
    states: new DynamoDbIncidentStore(documents, { tableName, retentionDays: DEFAULT_ALERT_SETTINGS.retentionDays }),
    mutes: new DynamoDbMuteStore(documents, tableName),
  };
}

export async function openIncidentsConnection(options: ConnectionOptions): Promise<IncidentsConnection> {
  silenceSdkNodeVersionNotice();
  // One retry: enough for a blip, few enough that an unreachable endpoint fails in a second, not a minute.
  const maxAttempts = 2;

  if (options.endpoint !== undefined) {
    checkEndpoint(options.endpoint);
    const client = new DynamoDBClient({
      endpoint: options.endpoint,
      region: regionOr(options.region),
      credentials: credentialsForEndpoint(options.endpoint),
      maxAttempts,
    });
    const tableName = options.table ?? LOCAL_TABLE_NAME;
    const description = `table ${tableName} at ${options.endpoint}`;
    const credentials = credentialsForEndpoint(options.endpoint);
    return {
      ...adaptersOf(client, tableName),
      // An emulator has no STS: ask STS only when an endpoint for it is configured.
      actor: () =>
        process.env.AWS_ENDPOINT_URL_STS || process.env.AWS_ENDPOINT_URL
          ? callerArn(regionOr(options.region), credentials)
          : Promise.resolve(osUser()),
      kind: 'table',
      description,
      missingTable: `${description} does not exist (check --table)`,
      close: async () => client.destroy(),
    };
  }

  if (options.table !== undefined) {
    const region = regionOr(options.region, '');
    if (region === '') {
      throw new ConnectionError(`no region for table ${options.table}: pass --region or set AWS_REGION`);
    }
    const client = new DynamoDBClient({ region, maxAttempts });
    const description = `table ${options.table} in ${region}`;
    return {
      ...adaptersOf(client, options.table),
      actor: () => callerArn(region, undefined),
      kind: 'table',
      description,
      missingTable: `${description} does not exist (check the table name and region; the stack outputs the name)`,
      close: async () => client.destroy(),
    };
  }

  if (!fs.existsSync(options.dataDir)) {
    throw new ConnectionError(
      `no local store at ${options.dataDir}: run \`denyscope local\` first, or name a deployed table with --table NAME --region R`,
    );
  }
  const store = await startEmbeddedDynamo(options.dataDir);
  const client = new DynamoDBClient({ endpoint: store.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts });
  return {
    ...adaptersOf(client, LOCAL_TABLE_NAME),
    actor: () => Promise.resolve(osUser()),
    kind: 'local',
    description: `local store ${options.dataDir}`,
    missingTable: `no incidents recorded in ${options.dataDir} yet: run \`denyscope local\` first`,
    close: async () => {
      client.destroy();
      await store.close();
    },
  };
}

function checkEndpoint(endpoint: string): void {
  if (!isHttpUrl(endpoint)) throw new OptionError(`--endpoint must be an http(s) URL, got "${endpoint}"`);
}
