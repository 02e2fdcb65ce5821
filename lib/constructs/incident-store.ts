import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { INCIDENT_INDEXES, INCIDENTS_TABLE_KEYS, TTL_ATTRIBUTE } from '@denyscope/core/incidents/schema';
import { EncryptionKey, ServiceKey, viaServiceOf } from './encryption-key';

/** The incidents table of an earlier deployment, kept by removalPolicy=retain, and its key. */
export interface ExistingIncidentsTable {
  readonly tableArn: string;
  readonly keyArn: string;
}

export interface IncidentStoreProps {
  readonly removalPolicy: RemovalPolicy;
  /** Use this table instead of creating one; its key and policies stay as they are. @default - a new table */
  readonly existingTable?: ExistingIncidentsTable;
}

/**
 * The incidents table (keys and indexes from core/incidents/schema.ts) and its customer managed key, or an
 * existing table of the same design (a deployment moved to another stack keeps its incidents).
 */
export class IncidentStore extends Construct {
  readonly table: dynamodb.ITable;
  readonly tableKey: ServiceKey;

  constructor(scope: Construct, id: string, props: IncidentStoreProps) {
    super(scope, id);
    if (props.existingTable) {
      const key = kms.Key.fromKeyArn(this, 'TableKey', props.existingTable.keyArn);
      // The table's key policy delegates its use through DynamoDB to IAM (EncryptionKey): the Lambda's role policy suffices.
      this.tableKey = { key, viaService: viaServiceOf('dynamodb') };
      this.table = dynamodb.Table.fromTableAttributes(this, 'Table', { tableArn: props.existingTable.tableArn, encryptionKey: key });
      return;
    }
    const retain = props.removalPolicy === RemovalPolicy.RETAIN;
    const tableKey = new EncryptionKey(this, 'TableKey', {
      description: 'denyscope: encrypts the incidents table',
      viaService: 'dynamodb',
      removalPolicy: props.removalPolicy,
    });
    const stringKey = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: stringKey(INCIDENTS_TABLE_KEYS.partitionKey),
      sortKey: stringKey(INCIDENTS_TABLE_KEYS.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: retain,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: tableKey.key,
      removalPolicy: props.removalPolicy,
    });
    this.tableKey = tableKey;
    for (const index of INCIDENT_INDEXES) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: stringKey(index.partitionKey),
        sortKey: stringKey(index.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    this.table = table;
  }
}
