import { iamEntityOf, parseArn } from '../diagnosis/arn';
import type { DiagnosisFacts } from '../diagnosis/diagnose';
import { remediate } from '../diagnosis/remediation';
import { shellCommand } from '../diagnosis/shell';
import type { DocLink, PolicySnippet, Remediation, RemediationCommand } from '../diagnosis/types';
import { conditionDescription, layerDescription, policyDescription, statementName } from './describe';
import type { PolicyStore } from './store';
import type { DeniedBy, Evaluation, MissingAllow } from './types';

/**
 * The remediation of a denial evaluated against a policy store: the statement to narrow (with its Sid and policy), or
 * the layers to add an allow to and the statement to add there, with commands that open exactly those policies.
 * Every value in a command goes through shellCommand (quoted); the caller escapes the text where it renders it.
 */
export function remediateFromEvaluation(facts: DiagnosisFacts, evaluation: Evaluation, store: PolicyStore): Remediation {
  const general = remediate(facts);
  // A disabled or deleted key fails the call whatever the policies say: its state is the fix.
  if (facts.cause === 'kms-key-unusable') return general;
  const docs: DocLink[] = [...general.docs.filter((link) => link.url !== EVALUATION_LOGIC.url), EVALUATION_LOGIC];
  const stale = evaluation.missingPolicies.length > 0 ? ` The store lacks: ${evaluation.missingPolicies.join('; ')}.` : '';
  switch (evaluation.decision) {
    case 'explicit-deny':
      return {
        summary: `${capitalize(statementName(evaluation.deniedBy[0]))} of the ${policyDescription(evaluation.deniedBy[0], facts.resource)} denies ${facts.action}${more(evaluation.deniedBy.length - 1, 'other statement')}.`,
        steps: [
          ...evaluation.deniedBy.map((entry) => narrowStep(entry, facts)),
          'An explicit deny wins over every allow: adding an allow elsewhere does not help.',
        ],
        commands: unique(evaluation.deniedBy.flatMap((entry) => openPolicyCommands(entry, facts, store))),
        policySnippet: null,
        docs,
      };
    case 'implicit-deny': {
      const additions = allowLayers(evaluation.missingAllow).map((layer) => addition(layer, facts, store));
      return {
        summary: `Nothing allows ${facts.action} in the ${evaluation.missingAllow.map(layerDescription).join(', ')}.`,
        steps: additions.map((entry) => entry.step),
        commands: unique(additions.flatMap((entry) => entry.commands)),
        policySnippet: additions[0]?.snippet ?? null,
        docs,
      };
    }
    case 'inconclusive':
      return {
        summary: `Whether ${facts.action} is denied turns on ${evaluation.unresolvedKeys.join(', ') || 'values'} the record does not show.`,
        steps: [
          `Find the values of ${evaluation.unresolvedKeys.join(', ') || 'the unresolved keys'} for this call (the caller's network, tags or session), then:`,
          ...evaluation.deniedBy.map((entry) => `If they make it deny: ${narrowStep(entry, facts)}`),
          ...allowLayers(evaluation.missingAllow).map((layer) => `If they leave no allow: ${addition(layer, facts, store).step}`),
        ],
        commands: unique([
          ...evaluation.deniedBy.flatMap((entry) => openPolicyCommands(entry, facts, store)),
          ...allowLayers(evaluation.missingAllow).flatMap((layer) => addition(layer, facts, store).commands),
        ]),
        policySnippet: null,
        docs,
      };
    case 'allow':
      return {
        summary: `The policy store allows ${facts.action}, so it does not hold the policy that denied it: it is stale or incomplete.${stale}`,
        steps: [
          `Capture the policies again (the store is from ${store.capturedAt ?? 'an unknown time'}) and add what it lacks, then evaluate again.`,
          ...general.steps,
        ],
        commands: general.commands,
        policySnippet: null,
        docs,
      };
  }
}

const EVALUATION_LOGIC: DocLink = {
  title: 'IAM: Policy evaluation logic',
  url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html',
};

function narrowStep(entry: DeniedBy, facts: DiagnosisFacts): string {
  const held = entry.conditions.filter((condition) => condition.result !== false).map(conditionDescription);
  const why = held.length === 0 ? 'it has no condition, so it denies every such call' : `its conditions: ${held.join('; ')}`;
  return `Narrow ${statementName(entry)} of the ${policyDescription(entry, facts.resource)} (${why}): add a condition or an exception for ${facts.principal} if this call is legitimate, or stop making the call if the deny is intended.`;
}

// ---------------------------------------------------------------- commands that open exactly one policy

function openPolicyCommands(
  entry: Pick<DeniedBy, 'policyType' | 'policyArn' | 'policyName' | 'target'>,
  facts: DiagnosisFacts,
  store: PolicyStore,
): RemediationCommand[] {
  const region: readonly [string | null, string] = [facts.region === 'unknown' ? null : facts.region, 'REGION'];
  switch (entry.policyType) {
    case 'service-control-policy':
    case 'resource-control-policy': {
      const id = organizationPolicyId(entry, store);
      return id === null
        ? []
        : [
            {
              description: `The ${entry.policyType === 'service-control-policy' ? 'SCP' : 'RCP'} ${entry.policyName ?? id} (run in the management account)`,
              command: shellCommand(
                'aws organizations describe-policy --policy-id',
                [id, 'POLICY_ID'],
                '--query Policy.Content --output text',
              ),
            },
          ];
    }
    case 'vpc-endpoint-policy':
      return facts.viaVpcEndpoint === null
        ? []
        : [
            {
              description: `The policy of VPC endpoint ${facts.viaVpcEndpoint}`,
              command: shellCommand(
                'aws ec2 describe-vpc-endpoints --vpc-endpoint-ids',
                [facts.viaVpcEndpoint, 'VPC_ENDPOINT_ID'],
                '--region',
                region,
                '--query',
                ['VpcEndpoints[].PolicyDocument', 'QUERY'],
                '--output text',
              ),
            },
          ];
    case 'resource-policy':
      return parseArn(facts.resource)?.service === 'dynamodb'
        ? [
            {
              description: `The resource-based policy of ${facts.resource}`,
              command: shellCommand(
                'aws dynamodb get-resource-policy --resource-arn',
                [tableArnOf(facts.resource), 'RESOURCE_ARN'],
                '--region',
                region,
                '--query Policy --output text',
              ),
            },
          ]
        : [];
    case 'key-policy':
      return [
        {
          description: `The key policy of ${facts.resource ?? 'the key'}`,
          command: shellCommand(
            'aws kms get-key-policy --key-id',
            [parseArn(facts.resource)?.service === 'kms' ? facts.resource : null, 'KEY_ARN'],
            '--policy-name default --region',
            region,
            '--output text',
          ),
        },
      ];
    case 'identity-policy':
    case 'permissions-boundary':
    case 'session-policy':
      return iamPolicyCommands(entry.policyArn, entry.policyName, entry.policyType, facts, store);
  }
}

/** A managed policy's default version, or an inline policy of the role, the user or one of the user's groups. */
function iamPolicyCommands(
  arn: string | null,
  name: string | null,
  type: DeniedBy['policyType'],
  facts: DiagnosisFacts,
  store: PolicyStore,
): RemediationCommand[] {
  if (arn !== null && parseArn(arn)?.service === 'iam') {
    return [
      {
        description: `The ${type === 'permissions-boundary' ? 'permissions boundary' : 'managed policy'} ${arn}, its default version`,
        command: shellCommand(
          'aws iam get-policy-version --policy-arn',
          [arn, 'POLICY_ARN'],
          '--version-id "$(aws iam get-policy --policy-arn',
          [arn, 'POLICY_ARN'],
          '--query Policy.DefaultVersionId --output text)"',
        ),
      },
    ];
  }
  // Inline session policies exist only in the AssumeRole request that started the session.
  if (name === null || type !== 'identity-policy') return [];
  const entity = iamEntityOf(facts.principal);
  if (entity === null) return [];
  const group =
    entity.kind === 'user'
      ? store.principals
          .get(facts.principal)
          ?.groups?.find((candidate) => candidate.policies?.some((policy) => policy.arn === null && policy.name === name))
      : undefined;
  if (group !== undefined)
    return [
      {
        description: `Inline policy ${name} of group ${group.name}`,
        command: shellCommand('aws iam get-group-policy --group-name', [group.name, 'GROUP_NAME'], '--policy-name', [name, 'POLICY_NAME']),
      },
    ];
  return [
    {
      description: `Inline policy ${name} of ${entity.kind} ${entity.name}`,
      command: shellCommand(`aws iam get-${entity.kind}-policy --${entity.kind}-name`, [entity.name, 'NAME'], '--policy-name', [
        name,
        'POLICY_NAME',
      ]),
    },
  ];
}

/** An SCP/RCP's id: the end of its ARN, else the id the store gives for it at that target. */
function organizationPolicyId(
  entry: Pick<DeniedBy, 'policyType' | 'policyArn' | 'policyName' | 'target'>,
  store: PolicyStore,
): string | null {
  const fromArn = /\/(p-[0-9a-zA-Z_]+)$/.exec(entry.policyArn ?? '')?.[1];
  if (fromArn !== undefined) return fromArn;
  const attached =
    entry.target === null
      ? undefined
      : (entry.policyType === 'service-control-policy'
          ? store.organization?.serviceControlPolicies
          : store.organization?.resourceControlPolicies
        )?.get(entry.target);
  return attached?.find((policy) => policy.name === entry.policyName || policy.id === entry.policyName)?.id ?? null;
}

/** Index permissions live in the base table's policy. */
function tableArnOf(resource: string | null): string | null {
  return resource?.replace(/(:table\/[^/]+)\/index\/.*$/, '$1') ?? null;
}

// ---------------------------------------------------------------- allows to add

interface Addition {
  readonly step: string;
  readonly commands: readonly RemediationCommand[];
  readonly snippet: PolicySnippet;
}

type AllowLayer = MissingAllow & { readonly policyType: Exclude<MissingAllow['policyType'], 'resource-control-policy'> };

/** The layers an allow can be added to: RCP levels always allow (RCPFullAWSAccess cannot be detached), so none is listed. */
function allowLayers(layers: readonly MissingAllow[]): AllowLayer[] {
  return layers.filter((layer): layer is AllowLayer => layer.policyType !== 'resource-control-policy');
}

/** Where the allow goes for one layer that lacks it, the statement to add, and the commands to open that layer. */
function addition(layer: AllowLayer, facts: DiagnosisFacts, store: PolicyStore): Addition {
  const action = facts.action;
  const resource = facts.resource ?? '*';
  const caller = facts.principal.endsWith('.amazonaws.com') ? { Service: facts.principal } : { AWS: facts.principal };
  const statement = (extra: Record<string, unknown> = {}, onResource: string = resource): Record<string, unknown> => ({
    Version: '2012-10-17',
    Statement: [{ Sid: 'AllowDeniedCall', Effect: 'Allow', ...extra, Action: action, Resource: onResource }],
  });
  const listed = layer.policies.length > 0 ? ` (now: ${layer.policies.join(', ')})` : ' (it has none)';
  const opens = (policy: string): RemediationCommand[] =>
    openPolicyCommands(
      {
        policyType: layer.policyType,
        policyArn: policy.startsWith('arn:') ? policy : null,
        policyName: policy.startsWith('arn:') ? null : policy,
        target: layer.target,
      },
      facts,
      store,
    );
  switch (layer.policyType) {
    case 'service-control-policy': {
      const target = layer.target ?? 'the account';
      const document = statement({}, '*');
      const attach = {
        description: `Attach AWS's FullAWSAccess SCP to ${target} (management account)`,
        command: shellCommand('aws organizations attach-policy --policy-id p-FullAWSAccess --target-id', [layer.target, 'TARGET_ID']),
      };
      const list = {
        description: `The SCPs attached to ${target}`,
        command: shellCommand(
          'aws organizations list-policies-for-target --target-id',
          [layer.target, 'TARGET_ID'],
          '--filter SERVICE_CONTROL_POLICY',
        ),
      };
      return layer.policies.length === 0
        ? {
            step: `No SCP is attached to ${target}, so that level allows nothing: attach FullAWSAccess there, or an SCP with the statement below.`,
            commands: [list, attach],
            snippet: { attachTo: `an SCP attached to ${target}`, document },
          }
        : {
            step: `The SCPs at ${target}${listed} allow-list actions without ${action}: add it to one of them (the statement below), or attach FullAWSAccess there.`,
            commands: [list, ...layer.policies.flatMap(opens), attach],
            snippet: { attachTo: `an SCP attached to ${target}`, document },
          };
    }
    case 'vpc-endpoint-policy':
      return {
        step: `Add an allow for ${action} by ${facts.principal} to the policy of VPC endpoint ${facts.viaVpcEndpoint ?? layer.policies[0] ?? ''} (the statement below), then modify-vpc-endpoint --policy-document.`,
        commands: opens(layer.policies[0] ?? ''),
        snippet: {
          attachTo: `policy of VPC endpoint ${facts.viaVpcEndpoint ?? layer.policies[0] ?? ''}`,
          document: statement({ Principal: caller }),
        },
      };
    case 'identity-policy': {
      const entity = iamEntityOf(facts.principal);
      const document = statement();
      const put =
        entity === null
          ? []
          : [
              {
                description: `Add the statement below as an inline policy of ${entity.kind} ${entity.name}`,
                command: shellCommand(
                  `aws iam put-${entity.kind}-policy --${entity.kind}-name`,
                  [entity.name, 'NAME'],
                  '--policy-name AllowDeniedCall --policy-document',
                  [JSON.stringify(document), 'POLICY_JSON'],
                ),
              },
            ];
      return {
        step: `No identity-based policy of ${facts.principal}${listed} allows ${action} on ${resource}: add the statement below to one of them, or as an inline policy.`,
        commands: [...layer.policies.flatMap(opens), ...put],
        snippet: { attachTo: `identity policy of ${facts.principal}`, document },
      };
    }
    case 'permissions-boundary':
      return {
        step: `The permissions boundary of ${facts.principal}${listed} does not allow ${action}: add the statement below to it, if your delegation rules allow it (a boundary grants nothing by itself).`,
        commands: layer.policies.flatMap(opens),
        snippet: { attachTo: `permissions boundary ${layer.policies[0] ?? `of ${facts.principal}`}`, document: statement() },
      };
    case 'session-policy':
      return {
        step: `The session policy of ${facts.principalArn ?? 'the session'}${listed} does not allow ${action}: include the statement below in the Policy (or PolicyArns) passed to AssumeRole, or pass none; it applies to new sessions.`,
        commands: layer.policies.flatMap(opens),
        snippet: { attachTo: `session policy passed to AssumeRole for ${facts.principal}`, document: statement() },
      };
    case 'resource-policy':
      return {
        step: `The resource-based policy of ${resource} does not allow ${facts.principal}${facts.crossAccount ? ' (a caller from another account needs it as well as its own identity policy)' : ''}: add the statement below.`,
        commands: opens(''),
        snippet: {
          attachTo: `resource-based policy of ${tableArnOf(resource) ?? resource}`,
          document: statement({ Principal: caller }, resource),
        },
      };
    case 'key-policy': {
      const via =
        facts.eventSource !== 'kms.amazonaws.com' && facts.eventSource !== 'unknown' && facts.region !== 'unknown'
          ? {
              Condition: {
                StringEquals: { 'kms:ViaService': `${facts.eventSource.replace(/\.amazonaws\.com$/, '')}.${facts.region}.amazonaws.com` },
              },
            }
          : {};
      return {
        step: `The key policy of ${resource} neither allows ${facts.principal} nor lets IAM policies of its account allow it, and no grant covers the call: add the statement below to the key policy.`,
        commands: opens(''),
        snippet: {
          attachTo: `key policy of ${resource}`,
          document: {
            Version: '2012-10-17',
            Statement: [{ Sid: 'AllowDeniedCall', Effect: 'Allow', Principal: caller, Action: action, Resource: '*', ...via }],
          },
        },
      };
    }
  }
}

function unique(commands: readonly RemediationCommand[]): RemediationCommand[] {
  const byCommand = new Map<string, RemediationCommand>();
  for (const command of commands) if (!byCommand.has(command.command)) byCommand.set(command.command, command);
  return [...byCommand.values()];
}

function more(count: number, word: string): string {
  return count <= 0 ? '' : ` (and ${count} ${word}${count === 1 ? '' : 's'})`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
