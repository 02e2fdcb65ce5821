import type { PolicyStoreFile } from './store-fragment';

/**
 * What one evaluation needs read from AWS, named as AWS names it. Pure data, built from a diagnosis (needs.ts) or
 * from the CLI's options; a source reads what these name and what they lead to (a table's KMS key).
 */
export interface EvidenceNeeds {
  /** IAM role and user ARNs: inline, attached and group policies, permissions boundary, tags. */
  readonly principals: readonly string[];
  /** DynamoDB table, index and stream ARNs: resource-based policy, tags, key schema and KMS key. */
  readonly resources: readonly string[];
  /** KMS key ARNs: key policy, grants, state. */
  readonly keys: readonly string[];
  /** VPC endpoint ids, with the region they live in when known (else the source's default region). */
  readonly vpcEndpoints: readonly { readonly id: string; readonly region: string | null }[];
  /** Accounts whose organization path and SCPs/RCPs at every level are needed. */
  readonly accounts: readonly string[];
}

export interface PolicyReadResult {
  /** What could be read, as a store fragment: a part is present only when it was read completely. */
  readonly store: PolicyStoreFile;
  /** One line per thing that could not be read: what it is, then why ("identity policies of arn:...: access denied (iam:ListRolePolicies)"). */
  readonly missingPolicies: readonly string[];
}

/** The port the evaluation reads policies through (adapters: AWS reads; a store file). */
export interface PolicySource {
  /** Never rejects: what cannot be read is named in missingPolicies; an aborted signal ends the read with what is done. */
  read(needs: EvidenceNeeds, options?: { readonly signal?: AbortSignal }): Promise<PolicyReadResult>;
}

export type { EvidenceSource } from './types';
