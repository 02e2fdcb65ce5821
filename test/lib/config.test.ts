import { spawnSync } from 'child_process';
import * as path from 'path';
import { ConfigurationError, configFromContext, resolveConfig } from '../../lib/config';

const fromContext = (values: Record<string, unknown>) => configFromContext((key) => values[key]);
const errorOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
};

describe('configuration', () => {
  it('applies the documented defaults', () => {
    expect(resolveConfig({})).toEqual({
      alertEmails: [],
      slackWebhookSecretName: 'denyscope/slack-webhook',
      slackSecretReaderArns: [],
      createTrail: true,
      dataEventTables: '*',
      dedupWindowMinutes: 60,
      retentionDays: 90,
      services: ['dynamodb'],
      removalPolicy: 'retain',
      logLevel: 'INFO',
      reservedConcurrency: 5,
    });
  });

  it('parses the strings of -c key=value', () => {
    expect(
      fromContext({
        alertEmails: 'a@example.com, b@example.org',
        createTrail: 'false',
        dataEventTables: 'orders,users',
        dedupWindowMinutes: '30',
        retentionDays: '365',
        services: 'dynamodb,kms',
        removalPolicy: 'DESTROY',
        logLevel: 'debug',
        reservedConcurrency: '10',
        slackSecretReaderArns: 'arn:aws:iam::123456789012:role/oncall, arn:aws-us-gov:iam::123456789012:user/ops/alice',
      }),
    ).toMatchObject({
      slackSecretReaderArns: ['arn:aws:iam::123456789012:role/oncall', 'arn:aws-us-gov:iam::123456789012:user/ops/alice'],
      alertEmails: ['a@example.com', 'b@example.org'],
      createTrail: false,
      dataEventTables: ['orders', 'users'],
      dedupWindowMinutes: 30,
      retentionDays: 365,
      services: ['dynamodb', 'kms'],
      removalPolicy: 'destroy',
      logLevel: 'DEBUG',
      reservedConcurrency: 10,
    });
    expect(fromContext({ services: '*', dataEventTables: '*' })).toMatchObject({ services: '*', dataEventTables: '*' });
  });

  it('accepts JSON values from cdk.json and ignores unrelated context (feature flags)', () => {
    expect(fromContext({ alertEmails: ['a@example.com'], createTrail: true, retentionDays: 30, '@aws-cdk/core:target-partitions': ['aws'] })).toMatchObject({
      alertEmails: ['a@example.com'],
      createTrail: true,
      retentionDays: 30,
    });
  });

  it.each([
    [{ alertEmails: 'oncall' }, '"alertEmails[0]": not an e-mail address (got "oncall")'],
    [{ createTrail: 'yes' }, '"createTrail": expected true or false (got "yes")'],
    [{ dedupWindowMinutes: '1.5' }, '"dedupWindowMinutes": expected a whole number of minutes (got "1.5")'],
    [{ dedupWindowMinutes: 'hour' }, '"dedupWindowMinutes": expected a whole number of minutes (got "hour")'],
    [{ retentionDays: 0 }, '"retentionDays": must be 1 to 3650 days (got 0)'],
    [{ dataEventTables: 'ab' }, '"dataEventTables[0]": a DynamoDB table name is 3-255 characters'],
    [{ services: 'DynamoDB' }, '"services[0]": a service is its lower-case event-source prefix'],
    [{ removalPolicy: 'snapshot' }, '"removalPolicy": expected retain or destroy (got "snapshot")'],
    [{ logLevel: 'loud' }, '"logLevel": expected one of DEBUG, INFO, WARN, ERROR (got "loud")'],
    [{ reservedConcurrency: 1 }, '"reservedConcurrency": must be 2 to 1000'],
    [{ slackWebhookSecretName: 'has space' }, '"slackWebhookSecretName": a secret name is 1-512 characters'],
    [{ existingSlackWebhookSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ops/slack' }, '"existingSlackWebhookSecretArn": not the complete ARN'],
    // A session ARN never equals aws:PrincipalArn (the role's ARN): the reader would be denied.
    [{ slackSecretReaderArns: 'arn:aws:sts::123456789012:assumed-role/oncall/alice' }, '"slackSecretReaderArns[0]": not the ARN of an IAM role or user'],
    [{ slackSecretReaderArns: 'arn:aws:iam::123456789012:role/oncall,oncall' }, '"slackSecretReaderArns[1]": not the ARN of an IAM role or user'],
    [{ slackSecretReaderArns: 'arn:aws:iam::123456789012:role/*' }, '"slackSecretReaderArns[0]": not the ARN of an IAM role or user'],
    [{ slackSecretReaderArns: 'arn:aws:iam::123456789012:group/ops' }, '"slackSecretReaderArns[0]": not the ARN of an IAM role or user'],
    [
      { slackSecretReaderArns: 'arn:aws:iam::123456789012:role/oncall', existingSlackWebhookSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ops/slack-AbCdEf' },
      '"slackSecretReaderArns": applies only to the secret the stack creates',
    ],
  ])('names the key and the problem for %j', (input, message) => {
    expect(errorOf(() => fromContext(input))).toContain(message);
  });

  it('says where the values came from and lists every problem', () => {
    const message = errorOf(() => fromContext({ createTrail: 'maybe', retentionDays: '-1' }));
    expect(message).toMatch(/^Invalid CDK context \(cdk.json "context" or -c key=value\):/);
    expect(message).toContain('"createTrail"');
    expect(message).toContain('"retentionDays"');
  });

  it('rejects unknown construct props by name', () => {
    expect(errorOf(() => resolveConfig({ alertEmail: ['a@example.com'] }))).toContain('unknown key(s) "alertEmail"');
  });

  it('makes bin/app.ts exit with the message, before synthesizing anything', () => {
    const repoRoot = path.resolve(__dirname, '..', '..');
    const result = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'bin/app.ts'], {
      cwd: repoRoot,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ dedupWindowMinutes: 'soon' }) },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('"dedupWindowMinutes": expected a whole number of minutes (got "soon")');
  });
});
