import { arnAccount, iamEntityOf, parseArn, partitionOf } from '../diagnosis/arn';
import type { Diagnosis } from '../diagnosis/types';
import type { EvidenceNeeds } from './ports';

export const NO_NEEDS: EvidenceNeeds = { principals: [], resources: [], keys: [], vpcEndpoints: [], accounts: [] };

const ACCOUNT_ID = /^\d{12}$/;
const VPC_ENDPOINT_ID = /^vpce-[0-9a-f]{8,17}$/;

/** What kind of resource an ARN names, as far as the policy sources read it. */
export function resourceKindOf(arn: string): 'dynamodb' | 'kms-key' | null {
  const parsed = parseArn(arn);
  if (!parsed) return null;
  if (parsed.service === 'dynamodb' && parsed.resource.startsWith('table/') && parsed.resource.length > 'table/'.length) return 'dynamodb';
  if (parsed.service === 'kms' && parsed.resource.startsWith('key/')) return 'kms-key';
  return null;
}

/** The table ARN of a DynamoDB table, index or stream ARN (an index is governed by its table's policy). */
export function tableArnOf(arn: string): string | null {
  const match = /^(arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/[^/]+)(?:\/|$)/.exec(arn);
  return match ? match[1] : null;
}

/** A stream ARN has its own resource-based policy; null for tables and indexes. */
export function isStreamArn(arn: string): boolean {
  return /^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/[^/]+\/stream\/.+/.test(arn);
}

export function isVpcEndpointId(value: string): boolean {
  return VPC_ENDPOINT_ID.test(value);
}

/**
 * What the evaluation of one denial needs: the principal's policies (roles and users: sessions, root and services
 * have none to read), the table (its parent table for an index; the stream and its table for a stream) or the KMS
 * key the denial names, and for a KMS call made on DynamoDB's behalf the table too (its key comes with it), the VPC
 * endpoint the call went through, and, when asked, the organization levels of the caller's and the resource's accounts.
 */
export function needsOfDiagnosis(diagnosis: Diagnosis, options: { readonly organization: boolean }): EvidenceNeeds {
  const principals = iamEntityOf(diagnosis.principal) ? [diagnosis.principal] : [];
  const resources: string[] = [];
  const keys: string[] = [];
  const resource = diagnosis.resource;
  const kind = resource ? resourceKindOf(resource) : null;
  if (resource && kind === 'dynamodb') {
    if (isStreamArn(resource)) resources.push(resource);
    const table = tableArnOf(resource);
    if (table && !resources.includes(table)) resources.push(table);
  } else if (resource && kind === 'kms-key') {
    keys.push(resource);
    if (diagnosis.tableName !== null && diagnosis.region !== 'unknown' && ACCOUNT_ID.test(diagnosis.accountId)) {
      resources.push(
        `arn:${partitionOf(diagnosis.region)}:dynamodb:${diagnosis.region}:${diagnosis.accountId}:table/${diagnosis.tableName}`,
      );
    }
  }
  const vpcEndpoints =
    diagnosis.viaVpcEndpoint !== null && isVpcEndpointId(diagnosis.viaVpcEndpoint)
      ? [{ id: diagnosis.viaVpcEndpoint, region: diagnosis.region === 'unknown' ? null : diagnosis.region }]
      : [];
  const accounts: string[] = [];
  if (options.organization) {
    const callerAccount = arnAccount(diagnosis.principal) ?? (ACCOUNT_ID.test(diagnosis.principal) ? diagnosis.principal : null);
    const resourceAccount = arnAccount(resource) ?? (ACCOUNT_ID.test(diagnosis.accountId) ? diagnosis.accountId : null);
    for (const account of [callerAccount, resourceAccount])
      if (account !== null && ACCOUNT_ID.test(account) && !accounts.includes(account)) accounts.push(account);
  }
  return { principals, resources, keys, vpcEndpoints, accounts };
}

/** Several needs as one, each thing named once. */
export function mergeNeeds(all: readonly EvidenceNeeds[]): EvidenceNeeds {
  const unique = <T>(values: T[], key: (value: T) => string): T[] => [...new Map(values.map((value) => [key(value), value])).values()];
  const same = (value: string): string => value;
  return {
    principals: unique(
      all.flatMap((needs) => needs.principals),
      same,
    ),
    resources: unique(
      all.flatMap((needs) => needs.resources),
      same,
    ),
    keys: unique(
      all.flatMap((needs) => needs.keys),
      same,
    ),
    vpcEndpoints: unique(
      all.flatMap((needs) => needs.vpcEndpoints),
      (endpoint) => `${endpoint.id}@${endpoint.region ?? ''}`,
    ),
    accounts: unique(
      all.flatMap((needs) => needs.accounts),
      same,
    ),
  };
}
