import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { Diagnosis } from '../../core/diagnosis/types';
import type { Enricher } from '../../core/incidents/ports';
import { describeError } from '../../core/incidents/errors';

const KMS_CAUSES = new Set(['kms-key-access', 'kms-key-unusable']);
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * Best-effort context for KMS and table denials: the table's encryption (DescribeTable SSEDescription) and
 * its key's state (DescribeKey KeyState). Each call has a short timeout; a failure or a missing permission
 * is written into the result instead of thrown, so it never holds up an alert.
 */
export class KmsTableEnricher implements Enricher {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly kms: KMSClient,
    private readonly timeoutMs = 1_500,
  ) {}

  appliesTo(diagnosis: Diagnosis): boolean {
    return KMS_CAUSES.has(diagnosis.cause) || diagnosis.tableName !== null;
  }

  async enrich(diagnosis: Diagnosis): Promise<Record<string, unknown>> {
    const result: Record<string, unknown> = {};
    let keyId = diagnosis.resource !== null && KMS_KEY_ARN.test(diagnosis.resource) ? diagnosis.resource : null;
    if (diagnosis.tableName !== null) {
      try {
        const tableName = diagnosis.tableName;
        const { Table } = await this.bounded((abortSignal) =>
          this.dynamodb.send(new DescribeTableCommand({ TableName: tableName }), { abortSignal }),
        );
        const sse = Table?.SSEDescription;
        result.tableEncryption = {
          status: sse?.Status ?? 'AWS_OWNED_KEY',
          sseType: sse?.SSEType ?? null,
          kmsKeyArn: sse?.KMSMasterKeyArn ?? null,
          inaccessibleSince: sse?.InaccessibleEncryptionDateTime?.toISOString() ?? null,
        };
        keyId = sse?.KMSMasterKeyArn ?? keyId;
      } catch (error) {
        result.tableEncryptionError = describeError(error);
      }
    }
    if (keyId !== null && KMS_CAUSES.has(diagnosis.cause)) {
      try {
        const key = keyId;
        const { KeyMetadata } = await this.bounded((abortSignal) => this.kms.send(new DescribeKeyCommand({ KeyId: key }), { abortSignal }));
        result.key = {
          arn: KeyMetadata?.Arn ?? keyId,
          state: KeyMetadata?.KeyState ?? null,
          manager: KeyMetadata?.KeyManager ?? null,
          deletionDate: KeyMetadata?.DeletionDate?.toISOString() ?? null,
        };
      } catch (error) {
        result.keyError = describeError(error);
      }
    }
    return result;
  }

  /** The call with an abort signal, and a deadline that holds even if the transport ignores the signal. */
  private bounded<T>(call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const deadline = new Promise<never>((_, reject) => {
      signal.addEventListener(
        'abort',
        () => reject(Object.assign(new Error(`aborted after ${this.timeoutMs} ms`), { name: 'TimeoutError' })),
        { once: true },
      );
    });
    return Promise.race([call(signal), deadline]);
  }
}
