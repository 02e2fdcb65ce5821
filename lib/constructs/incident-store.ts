import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { INCIDENT_INDEXES, INCIDENTS_TABLE_KEYS, TTL_ATTRIBUTE } from '@denyscope/core/incidents/schema';
import { EncryptionKey } from './encryption-key';

export interface IncidentStoreProps {
  readonly removalPolicy: RemovalPolicy;
}

/** The incidents table (keys and indexes from core/incidents/schema.ts) and its customer managed key. */
export class IncidentStore extends Construct {
  readonly table: dynamodb.Table;
  readonly tableKey: EncryptionKey;

  constructor(scope: Construct, id: string, props: IncidentStoreProps) {
    super(scope, id);
    const retain = props.removalPolicy === RemovalPolicy.RETAIN;
    this.tableKey = new EncryptionKey(this, 'TableKey', {
      description: 'denyscope: encrypts the incidents table',
      viaService: 'dynamodb',
      removalPolicy: props.removalPolicy,
    });
    const stringKey = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: stringKey(INCIDENTS_TABLE_KEYS.partitionKey),
      sortKey: stringKey(INCIDENTS_TABLE_KEYS.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: retain,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.tableKey.key,
      removalPolicy: props.removalPolicy,
    });
    for (const index of INCIDENT_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: stringKey(index.partitionKey),
        sortKey: stringKey(index.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}
