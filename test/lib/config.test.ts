import { spawnSync } from 'child_process';
import * as path from 'path';
import { appSettingsFromContext, ConfigurationError, configFromContext, organizationSettings, resolveConfig } from '../../lib/config';

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
      chatNotificationsTopic: false,
      deepDiagnosis: true,
      deepDiagnosisTimeoutSeconds: 4,
      tracing: false,
      mode: 'account',
      acknowledgeHours: 24,
      autoResolveDays: 14,
      alertOnConsoleReads: false,
      mutes: [],
      digest: true,
      digestTime: '09:00',
    });
    expect(organizationSettings(resolveConfig({}))).toBeUndefined();
  });

  it('reads the digest settings from -c strings and values, and names a time that is not HH:MM in UTC', () => {
    expect(fromContext({ digest: 'false', digestTime: '23:59' })).toMatchObject({ digest: false, digestTime: '23:59' });
    expect(resolveConfig({ digestTime: '00:00' })).toMatchObject({ digest: true, digestTime: '00:00' });
    for (const bad of ['9:00', '24:00', '09:60', '09:00Z', '09:00+01:00', '0900']) {
      expect(errorOf(() => resolveConfig({ digestTime: bad }))).toBe(
        `Invalid AccessDeniedAlerts props:\n  - "digestTime": expected a time of day HH:MM in UTC, 00:00 to 23:59, such as 09:00 (got ${JSON.stringify(bad)})`,
      );
    }
    expect(errorOf(() => fromContext({ digest: 'daily' }))).toContain('"digest": expected true or false (got "daily")');
  });

  it('reads the lifecycle settings and standing mutes from -c strings and cdk.json values, naming what is wrong', () => {
    const mutes = [{ principal: 'arn:aws:iam::111122223333:role/scanner', until: 'never', reason: 'security scanner' }];
    expect(
      resolveConfig(
        { acknowledgeHours: '48', autoResolveDays: '7', alertOnConsoleReads: 'true', mutes: JSON.stringify(mutes) },
        'CDK context',
      ),
    ).toMatchObject({ acknowledgeHours: 48, autoResolveDays: 7, alertOnConsoleReads: true, mutes });
    expect(resolveConfig({ mutes })).toMatchObject({ mutes });
    expect(() => resolveConfig({ mutes: [{ action: 'dynamodb:Scan', until: 'never' }] })).toThrow(
      '"mutes": mutes[0]: a mute needs a reason',
    );
    expect(() => resolveConfig({ mutes: 'not json' })).toThrow(/"mutes": mutes is text that is not JSON \(.+\): give a list of mutes/);
    expect(() => resolveConfig({ acknowledgeHours: 0 })).toThrow('"acknowledgeHours": must be 1 to 8760 hours');
    expect(() => resolveConfig({ autoResolveDays: 'two' })).toThrow('"autoResolveDays": expected a whole number of days');
  });

  const organization = {
    mode: 'organization',
    organizationId: 'o-abcdefghij',
    memberRegions: 'eu-west-1',
    memberOrganizationalUnits: 'ou-ab12-abcdefgh',
  };

  it('parses the organization keys as -c gives them, and applies their defaults', () => {
    const config = fromContext({
      mode: 'Organization',
      organizationId: 'o-abcdefghij',
      memberRegions: 'eu-west-1, us-east-1',
      memberOrganizationalUnits: 'ou-ab12-abcdefgh,r-ab12',
      principalOrgPaths: 'o-abcdefghij/r-ab12/ou-ab12-abcdefgh/,o-abcdefghij/r-ab12/ou-ab12-11111111/*,o-abcdefghij/r-ab12',
      stackSetCallAs: 'delegated_admin',
      organizationTrail: 'true',
      managementAccountId: '123456789012',
    });
    expect(organizationSettings(config)).toEqual({
      organizationId: 'o-abcdefghij',
      memberRegions: ['eu-west-1', 'us-east-1'],
      memberOrganizationalUnits: ['ou-ab12-abcdefgh', 'r-ab12'],
      // Each path and the OUs below it, the form aws:PrincipalOrgPaths is compared with.
      principalOrgPaths: ['o-abcdefghij/r-ab12/ou-ab12-abcdefgh/*', 'o-abcdefghij/r-ab12/ou-ab12-11111111/*', 'o-abcdefghij/r-ab12/*'],
      stackSetCallAs: 'DELEGATED_ADMIN',
      organizationTrail: true,
      managementAccountId: '123456789012',
    });
    expect(organizationSettings(fromContext(organization))).toEqual({
      organizationId: 'o-abcdefghij',
      memberRegions: ['eu-west-1'],
      memberOrganizationalUnits: ['ou-ab12-abcdefgh'],
      principalOrgPaths: [],
      stackSetCallAs: 'SELF',
      organizationTrail: false,
      managementAccountId: undefined,
    });
  });

  it('accepts its own output again (bin/app.ts validates context, the construct validates its props)', () => {
    const config = fromContext({ ...organization, principalOrgPaths: 'o-abcdefghij/r-ab12/' });
    expect(resolveConfig(config)).toEqual(config);
  });

  it('takes the table and key of an earlier deployment together', () => {
    const existing = {
      existingIncidentsTableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/Denyscope-AlertsIncidentStoreTable-1A2B3C',
      existingIncidentsTableKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    };
    expect(fromContext(existing)).toMatchObject(existing);
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
        deepDiagnosis: 'TRUE',
        deepDiagnosisTimeoutSeconds: '10',
        organizationReaderRoleArn: 'arn:aws:iam::999988887777:role/denyscope-organization-reader',
        tracing: 'true',
      }),
    ).toMatchObject({
      deepDiagnosis: true,
      deepDiagnosisTimeoutSeconds: 10,
      organizationReaderRoleArn: 'arn:aws:iam::999988887777:role/denyscope-organization-reader',
      tracing: true,
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
    expect(
      fromContext({ alertEmails: ['a@example.com'], createTrail: true, retentionDays: 30, '@aws-cdk/core:target-partitions': ['aws'] }),
    ).toMatchObject({
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
    [
      { existingSlackWebhookSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ops/slack' },
      '"existingSlackWebhookSecretArn": not the complete ARN',
    ],
    // A session ARN never equals aws:PrincipalArn (the role's ARN): the reader would be denied.
    [
      { slackSecretReaderArns: 'arn:aws:sts::123456789012:assumed-role/oncall/alice' },
      '"slackSecretReaderArns[0]": not the ARN of an IAM role or user',
    ],
    [
      { slackSecretReaderArns: 'arn:aws:iam::123456789012:role/oncall,oncall' },
      '"slackSecretReaderArns[1]": not the ARN of an IAM role or user',
    ],
    [{ slackSecretReaderArns: 'arn:aws:iam::123456789012:role/*' }, '"slackSecretReaderArns[0]": not the ARN of an IAM role or user'],
    [{ slackSecretReaderArns: 'arn:aws:iam::123456789012:group/ops' }, '"slackSecretReaderArns[0]": not the ARN of an IAM role or user'],
    [
      {
        slackSecretReaderArns: 'arn:aws:iam::123456789012:role/oncall',
        existingSlackWebhookSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ops/slack-AbCdEf',
      },
      '"slackSecretReaderArns": applies only to the secret the stack creates',
    ],
    [{ deepDiagnosis: 'yes' }, '"deepDiagnosis": expected true or false (got "yes")'],
    [{ deepDiagnosisTimeoutSeconds: '21' }, '"deepDiagnosisTimeoutSeconds": must be 0 (off) to 20 seconds (got "21")'],
    [{ deepDiagnosisTimeoutSeconds: '1.5' }, '"deepDiagnosisTimeoutSeconds": expected a whole number of seconds (got "1.5")'],
    [{ organizationReaderRoleArn: 'arn:aws:iam::999988887777:user/reader' }, '"organizationReaderRoleArn": not the ARN of an IAM role'],
    [
      { organizationReaderRoleArn: 'arn:aws:iam::999988887777:role/denyscope-organization-reader', deepDiagnosis: 'false' },
      '"organizationReaderRoleArn": deep diagnosis reads through it: it needs deepDiagnosis=true and deepDiagnosisTimeoutSeconds above 0',
    ],
    [
      { organizationReaderRoleArn: 'arn:aws:iam::999988887777:role/denyscope-organization-reader', deepDiagnosisTimeoutSeconds: '0' },
      '"organizationReaderRoleArn": deep diagnosis reads through it',
    ],
    [{ tracing: 'on' }, '"tracing": expected true or false (got "on")'],
    [{ mode: 'org' }, '"mode": expected one of account, organization (got "org")'],
    [
      { mode: 'organization' },
      '"organizationId": required with mode=organization: the o-... id of your organization (aws organizations describe-organization --query Organization.Id) (not set)',
    ],
    [{ mode: 'organization' }, '"memberRegions": required with mode=organization'],
    [{ mode: 'organization' }, '"memberOrganizationalUnits": required with mode=organization'],
    [{ organizationId: 'o-abcdefghij' }, '"organizationId": applies only to mode=organization (got "o-abcdefghij")'],
    [{ memberRegions: 'eu-west-1' }, '"memberRegions": applies only to mode=organization'],
    [{ stackSetCallAs: 'SELF' }, '"stackSetCallAs": applies only to mode=organization'],
    [{ organizationTrail: 'false' }, '"organizationTrail": applies only to mode=organization'],
    [{ ...organization, organizationId: 'o-ABCDEFGHIJ' }, '"organizationId": not an organization id'],
    [{ ...organization, organizationId: 'abcdefghij' }, '"organizationId": not an organization id'],
    [{ ...organization, memberRegions: 'eu-west' }, '"memberRegions[0]": not an AWS Region name such as eu-west-1 (got "eu-west")'],
    [{ ...organization, memberRegions: 'eu-west-1,eu-west-1' }, '"memberRegions": a Region is listed twice'],
    [{ ...organization, memberRegions: ',' }, '"memberRegions": give at least one Region'],
    [
      { ...organization, memberOrganizationalUnits: 'ou-123' },
      '"memberOrganizationalUnits[0]": not an organizational unit id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)',
    ],
    [{ ...organization, memberOrganizationalUnits: '123456789012' }, '"memberOrganizationalUnits[0]": not an organizational unit id'],
    [{ ...organization, principalOrgPaths: 'r-ab12/ou-ab12-abcdefgh/' }, '"principalOrgPaths[0]": not an organization path'],
    [
      { ...organization, principalOrgPaths: 'o-zzzzzzzzzz/r-ab12/' },
      '"principalOrgPaths": o-zzzzzzzzzz/r-ab12/* is not a path of organizationId o-abcdefghij',
    ],
    [{ ...organization, stackSetCallAs: 'admin' }, '"stackSetCallAs": expected one of SELF, DELEGATED_ADMIN (got "admin")'],
    [
      { ...organization, organizationTrail: 'true', createTrail: 'false' },
      '"organizationTrail": the organization trail is the trail the stack creates: it needs createTrail=true',
    ],
    [
      { ...organization, organizationTrail: 'true', stackSetCallAs: 'DELEGATED_ADMIN' },
      '"managementAccountId": required with organizationTrail=true and stackSetCallAs=DELEGATED_ADMIN',
    ],
    [{ ...organization, managementAccountId: '1234' }, '"managementAccountId": not a 12-digit AWS account id'],
    [
      { existingIncidentsTableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/Incidents' },
      '"existingIncidentsTableKeyArn": required with existingIncidentsTableArn',
    ],
    [
      { existingIncidentsTableKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
      '"existingIncidentsTableArn": required with existingIncidentsTableKeyArn',
    ],
    [{ existingIncidentsTableArn: 'Incidents' }, '"existingIncidentsTableArn": not the ARN of a DynamoDB table'],
    [
      {
        existingIncidentsTableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/Incidents',
        existingIncidentsTableKeyArn: 'alias/incidents',
      },
      '"existingIncidentsTableKeyArn": not the ARN of a KMS key',
    ],
    [
      {
        existingIncidentsTableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/Incidents',
        existingIncidentsTableKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
      '"existingIncidentsTableKeyArn": must be in the account and Region of existingIncidentsTableArn',
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

  it("reads the app's own keys, and refuses a management-account stack outside mode=organization", () => {
    const appContext = (values: Record<string, unknown>) => (key: string) => values[key];
    expect(appSettingsFromContext(appContext({}), resolveConfig({}))).toEqual({
      stackName: 'Denyscope',
      watchManagementAccount: false,
      organizationReader: false,
    });
    expect(
      appSettingsFromContext(appContext({ stackName: 'Security-Denials', watchManagementAccount: 'true' }), fromContext(organization)),
    ).toEqual({
      stackName: 'Security-Denials',
      watchManagementAccount: true,
      organizationReader: false,
    });
    expect(errorOf(() => appSettingsFromContext(appContext({ watchManagementAccount: 'true' }), resolveConfig({})))).toContain(
      '"watchManagementAccount": applies only to mode=organization (got "true")',
    );
    expect(errorOf(() => appSettingsFromContext(appContext({ watchManagementAccount: 'yes' }), fromContext(organization)))).toContain(
      '"watchManagementAccount": expected true or false',
    );
    expect(errorOf(() => appSettingsFromContext(appContext({ stackName: 'my_stack' }), resolveConfig({})))).toContain(
      '"stackName": a stack name is a letter then',
    );
  });

  it('reads the OrganizationReader keys, which go together', () => {
    const appContext = (values: Record<string, unknown>) => (key: string) => values[key];
    const lambdaRole = 'arn:aws:iam::123456789012:role/Denyscope-ProcessingRole1234-ABCDEF';
    expect(
      appSettingsFromContext(
        appContext({ organizationReader: 'true', alertingAccountId: '123456789012', alertingRoleArn: lambdaRole }),
        resolveConfig({}),
      ),
    ).toMatchObject({ organizationReader: true, alertingAccountId: '123456789012', alertingRoleArn: lambdaRole });
    const problemOf = (values: Record<string, unknown>) => errorOf(() => appSettingsFromContext(appContext(values), resolveConfig({})));
    expect(problemOf({ organizationReader: 'true' })).toContain('"alertingAccountId": required with organizationReader=true');
    expect(problemOf({ alertingAccountId: '123456789012' })).toContain('"alertingAccountId": applies only to organizationReader=true');
    expect(problemOf({ organizationReader: 'true', alertingAccountId: '1234' })).toContain(
      '"alertingAccountId": not a 12-digit AWS account id',
    );
    expect(problemOf({ organizationReader: 'true', alertingAccountId: '999988887777', alertingRoleArn: lambdaRole })).toContain(
      '"alertingRoleArn": must be a role of alertingAccountId',
    );
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
