import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { INCIDENT_INDEXES, INCIDENTS_TABLE_KEYS, LAST_SEEN_ATTRIBUTE } from '../../core/incidents/schema';

/**
 * Creates the incidents table exactly as core/incidents/schema.ts describes it (keys and sparse GSIs),
 * on-demand, and waits until it is ACTIVE. An existing table is left alone, so a persistent local store
 * (dynalite with a data dir) can be reopened. On AWS the CDK stack creates the table; this is for dynalite.
 */
export async function createIncidentsTable(client: DynamoDBClient, tableName: string, timeoutMs = 10_000): Promise<void> {
  const indexAttributes = INCIDENT_INDEXES.map((index) => index.partitionKey);
  const stringAttributes = [INCIDENTS_TABLE_KEYS.partitionKey, INCIDENTS_TABLE_KEYS.sortKey, LAST_SEEN_ATTRIBUTE, ...indexAttributes];
  const globalSecondaryIndexes: GlobalSecondaryIndex[] = INCIDENT_INDEXES.map((index) => ({
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'ALL' },
  }));
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: stringAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: INCIDENTS_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: INCIDENTS_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: globalSecondaryIndexes,
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilActive(client, tableName, timeoutMs);
}

async function waitUntilActive(client: DynamoDBClient, tableName: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    if (Date.now() > deadline)
      throw new Error(`Table ${tableName} did not become ACTIVE within ${timeoutMs} ms (status ${Table?.TableStatus})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
