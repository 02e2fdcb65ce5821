import { DescribeTableCommand, GetResourcePolicyCommand, ListTagsOfResourceCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeVpcEndpointsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, GetKeyPolicyCommand, ListGrantsCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { StoredDocument, StoredGrant } from '../../../core/policy/store-fragment';
import { policyDocumentOf, readAllPages, ReadFailure } from './aws-reads';
import type { ReadContext } from './read-context';

/** DescribeTable: the key attribute names (partition key first) and the table's KMS key (null: an AWS owned key). */
export function readTableDescription(
  dynamodb: DynamoDBClient,
  context: ReadContext,
  tableArn: string,
): Promise<{ keySchema: string[]; kmsKeyArn: string | null }> {
  return context.cached(`dynamodb:describe:${tableArn}`, async () => {
    // DescribeTable takes the table ARN as TableName, which also reaches a table of another account.
    const { Table } = await context.call('dynamodb:DescribeTable', (abortSignal) =>
      dynamodb.send(new DescribeTableCommand({ TableName: tableArn }), { abortSignal }),
    );
    const keys = [...(Table?.KeySchema ?? [])].sort((a, b) => (a.KeyType === 'HASH' ? -1 : b.KeyType === 'HASH' ? 1 : 0));
    return {
      keySchema: keys.flatMap((key) => (key.AttributeName ? [key.AttributeName] : [])),
      kmsKeyArn: Table?.SSEDescription?.KMSMasterKeyArn ?? null,
    };
  });
}

/** The table's or stream's resource-based policy; null when it has none (PolicyNotFoundException). */
export function readResourcePolicy(dynamodb: DynamoDBClient, context: ReadContext, resourceArn: string): Promise<StoredDocument | null> {
  return context.cached(`dynamodb:policy:${resourceArn}`, async () => {
    try {
      const { Policy } = await context.call('dynamodb:GetResourcePolicy', (abortSignal) =>
        dynamodb.send(new GetResourcePolicyCommand({ ResourceArn: resourceArn }), { abortSignal }),
      );
      return Policy === undefined ? null : policyDocumentOf(Policy);
    } catch (error) {
      if (error instanceof ReadFailure && error.reason.startsWith('PolicyNotFoundException')) return null;
      throw error;
    }
  });
}

export function readTableTags(dynamodb: DynamoDBClient, context: ReadContext, tableArn: string): Promise<Record<string, string>> {
  return context.cached(`dynamodb:tags:${tableArn}`, async () => {
    const tags = await readAllPages(async (NextToken) => {
      const out = await context.call('dynamodb:ListTagsOfResource', (abortSignal) =>
        dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: tableArn, NextToken }), { abortSignal }),
      );
      return { items: out.Tags, next: out.NextToken };
    });
    return Object.fromEntries(tags.map((tag) => [tag.Key ?? '', tag.Value ?? '']));
  });
}

export function readKeyPolicy(kms: KMSClient, context: ReadContext, keyArn: string): Promise<StoredDocument | null> {
  return context.cached(`kms:policy:${keyArn}`, async () => {
    const { Policy } = await context.call('kms:GetKeyPolicy', (abortSignal) =>
      kms.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }), { abortSignal }),
    );
    return Policy === undefined ? null : policyDocumentOf(Policy);
  });
}

export function readKeyState(kms: KMSClient, context: ReadContext, keyArn: string): Promise<string> {
  return context.cached(`kms:describe:${keyArn}`, async () => {
    const { KeyMetadata } = await context.call('kms:DescribeKey', (abortSignal) =>
      kms.send(new DescribeKeyCommand({ KeyId: keyArn }), { abortSignal }),
    );
    if (!KeyMetadata?.KeyState) throw new ReadFailure('DescribeKey returned no key state', false);
    return KeyMetadata.KeyState;
  });
}

export function readKeyGrants(kms: KMSClient, context: ReadContext, keyArn: string): Promise<StoredGrant[]> {
  return context.cached(`kms:grants:${keyArn}`, async () => {
    const grants = await readAllPages(async (Marker) => {
      const out = await context.call('kms:ListGrants', (abortSignal) =>
        kms.send(new ListGrantsCommand({ KeyId: keyArn, Marker }), { abortSignal }),
      );
      return { items: out.Grants, next: out.Truncated ? out.NextMarker : undefined };
    });
    return grants.map((grant) => ({
      granteePrincipal: grant.GranteePrincipal ?? '',
      operations: grant.Operations ?? [],
      constraints: grant.Constraints
        ? {
            ...(grant.Constraints.EncryptionContextSubset ? { encryptionContextSubset: grant.Constraints.EncryptionContextSubset } : {}),
            ...(grant.Constraints.EncryptionContextEquals ? { encryptionContextEquals: grant.Constraints.EncryptionContextEquals } : {}),
          }
        : null,
      grantId: grant.GrantId ?? null,
      name: grant.Name ? grant.Name : null,
    }));
  });
}

/** The endpoint's policy (EC2 returns it as JSON text); null when the endpoint has none. */
export function readVpcEndpointPolicy(
  ec2: EC2Client,
  context: ReadContext,
  endpointId: string,
  region: string,
): Promise<StoredDocument | null> {
  return context.cached(`ec2:vpce:${region}:${endpointId}`, async () => {
    const { VpcEndpoints } = await context.call('ec2:DescribeVpcEndpoints', (abortSignal) =>
      ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [endpointId] }), { abortSignal }),
    );
    const endpoint = (VpcEndpoints ?? []).find((candidate) => candidate.VpcEndpointId === endpointId);
    if (!endpoint) throw new ReadFailure('does not exist (not in DescribeVpcEndpoints)', false, true);
    return endpoint.PolicyDocument === undefined ? null : policyDocumentOf(endpoint.PolicyDocument);
  });
}
