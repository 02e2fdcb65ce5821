import { execFileSync } from 'node:child_process';
import type { CloudTrailRecord, Diagnosis } from '../../../core/diagnosis';
import { diagnoseWithPolicies } from '../../../core/policy/diagnosis-evaluation';
import { parsePolicyStore } from '../../../core/policy/store';
import { loadSample } from '../diagnosis/samples';

/**
 * The remediation built from an evaluation: the statement to narrow or the allow to add, and commands that open exactly
 * that policy. Commands are checked by a real POSIX shell: each quoted value must come back as one word, unchanged.
 */

const ROLE = 'arn:aws:iam::111122223333:role/app-backend';
const SESSION = 'arn:aws:sts::111122223333:assumed-role/app-backend/i-0a1b2c3d4e5f60718';
const TABLE = 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders';
const doc = (...statements: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement: statements });

function remediate(store: Record<string, unknown>, sample = 'identity-policy-implicit.json'): Diagnosis {
  const diagnosis = diagnoseWithPolicies(
    loadSample(sample).detail as CloudTrailRecord,
    parsePolicyStore({ format: 'denyscope-policies/1', sessions: { [SESSION]: { policies: [] } }, ...store }),
  );
  if (diagnosis === null) throw new Error('not a denial');
  return diagnosis;
}

/** The words a POSIX shell makes of a command line (run through `sh`, never evaluated beyond printing them). */
function shellWords(command: string): string[] {
  const output = execFileSync(
    'sh',
    ['-c', `set -- ${command.replace(/"\$\(.*\)"/, '"$SUBSTITUTION"')}; for word in "$@"; do printf '%s\\0' "$word"; done`],
    { encoding: 'utf8', env: { SUBSTITUTION: 'x' } },
  );
  return output.split('\0').slice(0, -1);
}

const commandsOf = (d: Diagnosis) => d.remediation.commands.map((command) => command.command);

describe('explicit deny: the statement to narrow, and the command that opens its policy', () => {
  it('an inline policy of the role: get-role-policy with its name; a hostile name stays one literal word', () => {
    const name = 'guard$(touch /tmp/pwned)';
    const d = remediate({
      principals: {
        [ROLE]: {
          policies: [{ name, arn: null, document: doc({ Sid: 'NoReads', Effect: 'Deny', Action: 'dynamodb:GetItem', Resource: '*' }) }],
          permissionsBoundary: null,
        },
      },
    });
    expect(d.remediation.summary).toBe(`Statement "NoReads" of the identity-based policy ${name} denies dynamodb:GetItem.`);
    expect(d.remediation.policySnippet).toBeNull();
    const [command] = commandsOf(d);
    expect(shellWords(command)).toEqual(['aws', 'iam', 'get-role-policy', '--role-name', 'app-backend', '--policy-name', name]);
  });

  it("an inline policy of one of the user's groups: get-group-policy", () => {
    const user = 'arn:aws:iam::111122223333:user/alice';
    const d = remediate(
      {
        principals: {
          [user]: {
            policies: [],
            permissionsBoundary: null,
            groups: [
              {
                name: 'humans',
                policies: [
                  {
                    name: 'mfa',
                    arn: null,
                    document: doc({
                      Sid: 'NoMfaNoAccess',
                      Effect: 'Deny',
                      Action: '*',
                      Resource: '*',
                      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
                    }),
                  },
                ],
              },
            ],
          },
        },
      },
      'mfa-required.json',
    );
    expect(commandsOf(d)).toEqual(['aws iam get-group-policy --group-name humans --policy-name mfa']);
    expect(d.remediation.steps[0]).toContain('BoolIfExists aws:MultiFactorAuthPresent ["false"] (request: not in the request) → true');
  });
});

describe('implicit deny: the layer to add an allow to, and the statement to add there', () => {
  it('no identity policy allows: the allow as a put-role-policy command whose JSON reaches AWS intact', () => {
    const d = remediate({ principals: { [ROLE]: { policies: [], permissionsBoundary: null } } });
    const document = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'AllowDeniedCall', Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE }],
    };
    expect(d.remediation.policySnippet).toEqual({ attachTo: `identity policy of ${ROLE}`, document });
    const words = shellWords(commandsOf(d).find((command) => command.includes('put-role-policy'))!);
    expect(JSON.parse(words[words.indexOf('--policy-document') + 1])).toEqual(document);
  });

  it('an SCP level with nothing attached: attach FullAWSAccess at exactly that target', () => {
    const d = remediate({
      principals: {
        [ROLE]: {
          policies: [{ name: 'reads', arn: null, document: doc({ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }) }],
          permissionsBoundary: null,
        },
      },
      organization: {
        accounts: { '111122223333': ['r-ab12', 'ou-ab12-11111111'] },
        serviceControlPolicies: {
          'r-ab12': [{ id: 'p-FullAWSAccess', document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }],
          'ou-ab12-11111111': [],
          '111122223333': [{ id: 'p-FullAWSAccess', document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }],
        },
      },
    });
    expect(d.evaluation!.missingAllow).toEqual([{ policyType: 'service-control-policy', target: 'ou-ab12-11111111', policies: [] }]);
    expect(commandsOf(d)).toContain('aws organizations attach-policy --policy-id p-FullAWSAccess --target-id ou-ab12-11111111');
    expect(d.remediation.policySnippet).toMatchObject({
      attachTo: 'an SCP attached to ou-ab12-11111111',
      document: { Statement: [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }] },
    });
  });
});

describe('inconclusive and allow', () => {
  it('inconclusive: the summary names the keys the outcome turns on', () => {
    const d = remediate({
      principals: {
        [ROLE]: {
          policies: [
            {
              name: 'lease',
              arn: null,
              document: doc({
                Effect: 'Allow',
                Action: 'dynamodb:GetItem',
                Resource: '*',
                Condition: { StringEquals: { 'aws:PrincipalTag/team': 'orders' } },
              }),
            },
          ],
          permissionsBoundary: null,
        },
      },
    });
    expect(d.evaluation!.decision).toBe('inconclusive');
    expect(d.remediation.summary).toBe('Whether dynamodb:GetItem is denied turns on aws:PrincipalTag/team the record does not show.');
  });

  it('allow: the store is stale or incomplete, and says what it lacks', () => {
    const d = remediate({
      principals: { [ROLE]: { policies: [{ name: 'all', arn: null, document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }] } },
    });
    expect(d.evaluation!.decision).toBe('allow');
    expect(d.remediation.summary).toContain(
      'it is stale or incomplete. The store lacks: service control policies of account 111122223333 (the store has no organization);',
    );
    expect(d.remediation.summary).toContain(`permissions boundary of ${ROLE}.`);
  });
});
