import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { KmsTableEnricher } from '../../../lambdas/adapters/kms-table-enricher';
import { diagnosisOf } from '../../support/incidents';

const dynamodb = mockClient(DynamoDBClient);
const kms = mockClient(KMSClient);
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

afterEach(() => {
  dynamodb.reset();
  kms.reset();
});
afterAll(() => {
  dynamodb.restore();
  kms.restore();
});

const enricher = (timeoutMs?: number) =>
  new KmsTableEnricher(new DynamoDBClient({ region: 'eu-west-1' }), new KMSClient({ region: 'eu-west-1' }), timeoutMs);
const kmsDenial = { ...diagnosisOf(), cause: 'kms-key-unusable' as const };

describe('KmsTableEnricher (aws-sdk-client-mock)', () => {
  it('applies to KMS causes and to denials on a table, not to others', () => {
    expect(enricher().appliesTo(kmsDenial)).toBe(true);
    expect(enricher().appliesTo(diagnosisOf())).toBe(true);
    expect(enricher().appliesTo({ ...diagnosisOf(), tableName: null })).toBe(false);
  });

  it("reads the table's encryption and its key's state", async () => {
    const inaccessibleSince = new Date('2026-11-20T09:00:00.000Z');
    dynamodb.on(DescribeTableCommand, { TableName: 'Orders' }).resolves({
      Table: {
        SSEDescription: { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: KEY_ARN, InaccessibleEncryptionDateTime: inaccessibleSince },
      },
    });
    kms
      .on(DescribeKeyCommand, { KeyId: KEY_ARN })
      .resolves({ KeyMetadata: { KeyId: 'k', Arn: KEY_ARN, KeyState: 'Disabled', KeyManager: 'CUSTOMER' } });
    expect(await enricher().enrich(kmsDenial)).toEqual({
      tableEncryption: { status: 'ENABLED', sseType: 'KMS', kmsKeyArn: KEY_ARN, inaccessibleSince: inaccessibleSince.toISOString() },
      key: { arn: KEY_ARN, state: 'Disabled', manager: 'CUSTOMER', deletionDate: null },
    });
  });

  it('does not describe the key for a table denial that is not about KMS', async () => {
    dynamodb
      .on(DescribeTableCommand)
      .resolves({ Table: { SSEDescription: { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: KEY_ARN } } });
    const result = await enricher().enrich(diagnosisOf());
    expect(result).not.toHaveProperty('key');
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(0);
  });

  it('notes a missing permission instead of throwing', async () => {
    const denied = Object.assign(new Error('not authorized to perform: dynamodb:DescribeTable'), { name: 'AccessDeniedException' });
    dynamodb.on(DescribeTableCommand).rejects(denied);
    expect(await enricher().enrich(kmsDenial)).toEqual({
      tableEncryptionError: 'AccessDeniedException: not authorized to perform: dynamodb:DescribeTable',
    });
  });

  it('gives up on a slow call after its timeout and notes it', async () => {
    dynamodb.on(DescribeTableCommand).callsFake(() => new Promise(() => undefined)); // never answers
    // Without the deadline this would hang until jest's test timeout.
    expect(await enricher(20).enrich(kmsDenial)).toEqual({ tableEncryptionError: expect.stringMatching(/abort/i) });
  });
});
