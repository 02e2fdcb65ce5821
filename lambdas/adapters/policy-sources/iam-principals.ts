import {
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListGroupsForUserCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { iamEntityOf } from '../../../core/diagnosis/arn';
import type { StoredPolicy, StoredPrincipal } from '../../../core/policy/store-fragment';
import { policyDocumentOf, readAllPages, ReadFailure } from './aws-reads';
import type { ReadContext } from './read-context';

/** The parts of a role or user, each read on its own: one missing permission costs only that part. */
export interface PrincipalReads {
  /** Settles when GetRole/GetUser has answered; rejects with a not-found ReadFailure when the principal does not exist. */
  readonly exists: Promise<void>;
  readonly policies: Promise<StoredPolicy[]>;
  readonly permissionsBoundary: Promise<StoredPrincipal['permissionsBoundary']>;
  readonly tags: Promise<Record<string, string>>;
  /** Users only. */
  readonly groups: Promise<{ name: string; arn: string | null; policies: StoredPolicy[] }[]> | null;
}

/**
 * Reads a role's or user's identity policies (inline, and attached managed policies at their default version),
 * permissions boundary, tags and, for users, groups with their policies. Each part is read on its own, so one
 * missing permission costs only that part.
 */
export function readIamPrincipal(iam: IAMClient, context: ReadContext, principalArn: string): PrincipalReads {
  const entity = iamEntityOf(principalArn);
  if (!entity) throw new Error(`not an IAM role or user ARN: ${principalArn}`);
  const { kind, name } = entity;
  const described = context.cached(`iam:${kind}:${name}`, () =>
    kind === 'role'
      ? context
          .call('iam:GetRole', (abortSignal) => iam.send(new GetRoleCommand({ RoleName: name }), { abortSignal }))
          .then((out) => out.Role?.PermissionsBoundary?.PermissionsBoundaryArn ?? null)
      : context
          .call('iam:GetUser', (abortSignal) => iam.send(new GetUserCommand({ UserName: name }), { abortSignal }))
          .then((out) => out.User?.PermissionsBoundary?.PermissionsBoundaryArn ?? null),
  );
  const exists = described.then(() => undefined);
  // A principal that does not exist has nothing else to read; any other failure of GetRole/GetUser costs only the boundary.
  const unlessGone = async <T>(read: () => Promise<T>): Promise<T> => {
    try {
      await described;
    } catch (error) {
      if (error instanceof ReadFailure && error.notFound) throw error;
    }
    return read();
  };

  const policies = unlessGone(() =>
    context.cached(`iam:policies:${kind}:${name}`, () => ownPolicies(iam, context, kind === 'role' ? 'Role' : 'User', name)),
  );
  const permissionsBoundary = described.then((boundaryArn) =>
    boundaryArn === null ? null : managedPolicy(iam, context, boundaryArn).then(({ document }) => ({ arn: boundaryArn, document })),
  );
  const tags = unlessGone(() => context.cached(`iam:tags:${kind}:${name}`, () => principalTags(iam, context, kind, name)));
  const groups = kind === 'user' ? unlessGone(() => context.cached(`iam:groups:${name}`, () => userGroups(iam, context, name))) : null;
  return { exists, policies, permissionsBoundary, tags, groups };
}

type Owner = 'Role' | 'User' | 'Group';

/** Inline policies, then attached managed policies (default version), of a role, user or group. */
async function ownPolicies(iam: IAMClient, context: ReadContext, owner: Owner, name: string): Promise<StoredPolicy[]> {
  const [inlineNames, attached] = await Promise.all([
    inlinePolicyNames(iam, context, owner, name),
    attachedPolicyArns(iam, context, owner, name),
  ]);
  const inline = inlineNames.map((policyName) => inlinePolicy(iam, context, owner, name, policyName));
  const managed = attached.map((arn) => managedPolicy(iam, context, arn));
  return Promise.all([...inline, ...managed]);
}

function inlinePolicyNames(iam: IAMClient, context: ReadContext, owner: Owner, name: string): Promise<string[]> {
  return readAllPages(async (Marker) => {
    const out =
      owner === 'Role'
        ? await context.call('iam:ListRolePolicies', (abortSignal) =>
            iam.send(new ListRolePoliciesCommand({ RoleName: name, Marker }), { abortSignal }),
          )
        : owner === 'User'
          ? await context.call('iam:ListUserPolicies', (abortSignal) =>
              iam.send(new ListUserPoliciesCommand({ UserName: name, Marker }), { abortSignal }),
            )
          : await context.call('iam:ListGroupPolicies', (abortSignal) =>
              iam.send(new ListGroupPoliciesCommand({ GroupName: name, Marker }), { abortSignal }),
            );
    return { items: out.PolicyNames, next: out.IsTruncated ? out.Marker : undefined };
  });
}

function attachedPolicyArns(iam: IAMClient, context: ReadContext, owner: Owner, name: string): Promise<string[]> {
  return readAllPages(async (Marker) => {
    const out =
      owner === 'Role'
        ? await context.call('iam:ListAttachedRolePolicies', (abortSignal) =>
            iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name, Marker }), { abortSignal }),
          )
        : owner === 'User'
          ? await context.call('iam:ListAttachedUserPolicies', (abortSignal) =>
              iam.send(new ListAttachedUserPoliciesCommand({ UserName: name, Marker }), { abortSignal }),
            )
          : await context.call('iam:ListAttachedGroupPolicies', (abortSignal) =>
              iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: name, Marker }), { abortSignal }),
            );
    return {
      items: (out.AttachedPolicies ?? []).flatMap((policy) => (policy.PolicyArn ? [policy.PolicyArn] : [])),
      next: out.IsTruncated ? out.Marker : undefined,
    };
  });
}

async function inlinePolicy(iam: IAMClient, context: ReadContext, owner: Owner, name: string, policyName: string): Promise<StoredPolicy> {
  const out =
    owner === 'Role'
      ? await context.call('iam:GetRolePolicy', (abortSignal) =>
          iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }), { abortSignal }),
        )
      : owner === 'User'
        ? await context.call('iam:GetUserPolicy', (abortSignal) =>
            iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: policyName }), { abortSignal }),
          )
        : await context.call('iam:GetGroupPolicy', (abortSignal) =>
            iam.send(new GetGroupPolicyCommand({ GroupName: name, PolicyName: policyName }), { abortSignal }),
          );
  return { name: policyName, arn: null, document: policyDocumentOf(out.PolicyDocument ?? '') };
}

/** A managed policy at its default version (GetPolicy → DefaultVersionId → GetPolicyVersion), read once per ARN. */
function managedPolicy(iam: IAMClient, context: ReadContext, policyArn: string): Promise<StoredPolicy> {
  return context.cached(`iam:policy:${policyArn}`, async () => {
    const { Policy } = await context.call('iam:GetPolicy', (abortSignal) =>
      iam.send(new GetPolicyCommand({ PolicyArn: policyArn }), { abortSignal }),
    );
    const versionId = Policy?.DefaultVersionId;
    if (!versionId) throw new ReadFailure(`policy ${policyArn} has no default version`, false);
    const { PolicyVersion } = await context.call('iam:GetPolicyVersion', (abortSignal) =>
      iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId }), { abortSignal }),
    );
    return {
      name: Policy?.PolicyName ?? policyArn.slice(policyArn.lastIndexOf('/') + 1),
      arn: policyArn,
      document: policyDocumentOf(PolicyVersion?.Document ?? ''),
    };
  });
}

async function principalTags(iam: IAMClient, context: ReadContext, kind: 'role' | 'user', name: string): Promise<Record<string, string>> {
  const tags = await readAllPages(async (Marker) => {
    const out =
      kind === 'role'
        ? await context.call('iam:ListRoleTags', (abortSignal) =>
            iam.send(new ListRoleTagsCommand({ RoleName: name, Marker }), { abortSignal }),
          )
        : await context.call('iam:ListUserTags', (abortSignal) =>
            iam.send(new ListUserTagsCommand({ UserName: name, Marker }), { abortSignal }),
          );
    return { items: out.Tags, next: out.IsTruncated ? out.Marker : undefined };
  });
  return Object.fromEntries(tags.map((entry) => [entry.Key ?? '', entry.Value ?? '']));
}

async function userGroups(
  iam: IAMClient,
  context: ReadContext,
  userName: string,
): Promise<{ name: string; arn: string | null; policies: StoredPolicy[] }[]> {
  const groups = await readAllPages(async (Marker) => {
    const out = await context.call('iam:ListGroupsForUser', (abortSignal) =>
      iam.send(new ListGroupsForUserCommand({ UserName: userName, Marker }), { abortSignal }),
    );
    return {
      items: (out.Groups ?? []).flatMap((group) => (group.GroupName ? [{ name: group.GroupName, arn: group.Arn ?? null }] : [])),
      next: out.IsTruncated ? out.Marker : undefined,
    };
  });
  return Promise.all(
    groups.map(async ({ name, arn }) => ({
      name,
      arn,
      policies: await context.cached(`iam:group-policies:${name}`, () => ownPolicies(iam, context, 'Group', name)),
    })),
  );
}
