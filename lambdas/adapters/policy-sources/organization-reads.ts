import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  type OrganizationsClient,
  type PolicyType,
} from '@aws-sdk/client-organizations';
import type { StoredOrganizationPolicy } from '../../../core/policy/store-fragment';
import { policyDocumentOf, readAllPages, ReadFailure } from './aws-reads';
import type { ReadContext } from './read-context';

/** Organizations answers these only to the management account or a delegated administrator. */
const NOT_ADMIN_HINT = "read from the organization's management account or a delegated administrator (--org-role ARN)";

function withAdminHint(error: unknown): never {
  if (error instanceof ReadFailure && error.reason.startsWith('access denied'))
    throw new ReadFailure(`${error.reason}: ${NOT_ADMIN_HINT}`, false);
  throw error;
}

export function readOrganization(
  organizations: OrganizationsClient,
  context: ReadContext,
): Promise<{ id: string; managementAccountId: string | null }> {
  return context.cached('organizations:describe', async () => {
    const { Organization } = await context
      .call('organizations:DescribeOrganization', (abortSignal) => organizations.send(new DescribeOrganizationCommand({}), { abortSignal }))
      .catch(withAdminHint);
    if (!Organization?.Id) throw new ReadFailure('DescribeOrganization returned no organization id', false);
    return { id: Organization.Id, managementAccountId: Organization.MasterAccountId ?? null };
  });
}

/** The account's path from the root to its parent OU (ListParents up to the root). */
export async function readAccountPath(organizations: OrganizationsClient, context: ReadContext, accountId: string): Promise<string[]> {
  const path: string[] = [];
  let child = accountId;
  // An organization is at most 5 OU levels deep under its root; the bound keeps a malformed answer from looping.
  for (let depth = 0; depth < 8; depth += 1) {
    const parent = await context.cached(`organizations:parent:${child}`, async () => {
      const { Parents } = await context
        .call('organizations:ListParents', (abortSignal) => organizations.send(new ListParentsCommand({ ChildId: child }), { abortSignal }))
        .catch(withAdminHint);
      const first = Parents?.[0];
      if (!first?.Id) throw new ReadFailure(`ListParents returned no parent for ${child}`, false);
      return { id: first.Id, root: first.Type === 'ROOT' };
    });
    path.unshift(parent.id);
    if (parent.root) return path;
    child = parent.id;
  }
  throw new ReadFailure(`no root found above ${accountId}`, false);
}

/** The policies of one type attached to a target (root, OU or account), each with its document. */
export function readAttachedPolicies(
  organizations: OrganizationsClient,
  context: ReadContext,
  targetId: string,
  type: Extract<PolicyType, 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY'>,
): Promise<StoredOrganizationPolicy[]> {
  return context.cached(`organizations:attached:${type}:${targetId}`, async () => {
    const summaries = await readAllPages(async (NextToken) => {
      const out = await context
        .call('organizations:ListPoliciesForTarget', (abortSignal) =>
          organizations.send(new ListPoliciesForTargetCommand({ TargetId: targetId, Filter: type, NextToken }), { abortSignal }),
        )
        .catch(withAdminHint);
      return { items: out.Policies, next: out.NextToken };
    });
    return Promise.all(summaries.flatMap((summary) => (summary.Id ? [describePolicy(organizations, context, summary.Id)] : [])));
  });
}

function describePolicy(organizations: OrganizationsClient, context: ReadContext, policyId: string): Promise<StoredOrganizationPolicy> {
  return context.cached(`organizations:policy:${policyId}`, async () => {
    const { Policy } = await context
      .call('organizations:DescribePolicy', (abortSignal) =>
        organizations.send(new DescribePolicyCommand({ PolicyId: policyId }), { abortSignal }),
      )
      .catch(withAdminHint);
    const summary = Policy?.PolicySummary;
    return {
      id: policyId,
      name: summary?.Name ?? policyId,
      arn: summary?.Arn ?? policyId,
      document: policyDocumentOf(Policy?.Content ?? ''),
    };
  });
}
