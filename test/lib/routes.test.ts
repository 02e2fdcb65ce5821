import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { HANDLER_ENV } from '../../core/contract';
import type { DeployedRouting } from '../../core/incidents/routes';
import type { RoutesInput } from '../../core/incidents/routes-schema';
import { configFromContext, ConfigurationError, resolveConfig } from '../../lib/config';
import { ROUTES_ENV_LIMIT_BYTES } from '../../lib/constructs/processing';
import { buildStack, cdkJsonContext, synthStack } from './stack-fixture';

const ROUTES: RoutesInput = {
  channels: {
    security: { type: 'sns', emails: ['security@example.com'] },
    audit: { type: 'sns' },
    'team-a': { type: 'slack', secretName: 'denyscope/slack-team-a' },
    'team-b': { type: 'slack', secretName: 'denyscope/slack-team-b' },
  },
  accountOrganizationalUnits: { '111111111111': ['r-ab12', 'ou-ab12-teamaaaa'] },
  routes: [
    { name: 'security', match: { causes: ['service-control-policy', 'resource-control-policy'] }, channels: ['security', 'audit'] },
    { name: 'team-a', match: { organizationalUnits: ['ou-ab12-teamaaaa'] }, channels: ['team-a'] },
    { name: 'team-b', match: { accounts: ['222222222222'], tables: ['orders-*'] }, channels: ['team-b', 'slack'] },
    { name: 'everything-else', default: true, channels: ['sns'] },
  ],
};

const KEY_OF_TOPICS = { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsTopicKey'), 'Arn'] };
const routeTopic = (name: string) => ({ Ref: Match.stringLikeRegexp(`NotificationsRouteTopic${name}`) });
// Logical ids drop the hyphen of a channel name.
const routeSecret = (name: string) => ({ Ref: Match.stringLikeRegexp(`NotificationsRouteWebhook${name.replace('-', '')}`) });
const lambdaRoleArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('ProcessingRole'), 'Arn'] };
/** The digest Lambda sends each route's digest to the route's channels. */
const digestRoleArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('DigestRole'), 'Arn'] };

describe('routes in the stack', () => {
  const { template } = synthStack({ routes: ROUTES });

  it('creates an encrypted, TLS-only topic per SNS channel, named after the stack, with its e-mail subscriptions', () => {
    for (const name of ['security', 'audit']) {
      template.hasResourceProperties('AWS::SNS::Topic', { TopicName: `Denyscope-${name}`, KmsMasterKeyId: KEY_OF_TOPICS });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [routeTopic(name)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'security@example.com',
      TopicArn: routeTopic('security'),
    });
    // The alert topic's subscription is the only other one: the audit channel has no e-mail.
    template.resourceCountIs('AWS::SNS::Subscription', 1);
  });

  it('creates an empty webhook secret per Slack channel, each with a key of its own, readable by the Lambdas only', () => {
    for (const [name, secretName] of [
      ['team-a', 'denyscope/slack-team-a'],
      ['team-b', 'denyscope/slack-team-b'],
    ]) {
      const keyOfThisSecret = { 'Fn::GetAtt': [Match.stringLikeRegexp(`NotificationsRouteWebhook${name.replace('-', '')}Key`), 'Arn'] };
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: secretName,
        KmsKeyId: keyOfThisSecret,
        GenerateSecretString: Match.absent(),
        SecretString: Match.absent(),
      });
      template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
        SecretId: routeSecret(name),
        ResourcePolicy: {
          Statement: [
            Match.objectLike({
              Effect: 'Deny',
              Action: 'secretsmanager:GetSecretValue',
              Condition: { ArnNotEquals: { 'aws:PrincipalArn': [lambdaRoleArn, digestRoleArn] } },
            }),
          ],
        },
      });
      // The key decrypts this secret only, for the named readers only.
      template.hasResourceProperties('AWS::KMS::Key', {
        Description: Match.stringLikeRegexp(`route channel ${name}`),
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'ReadTheSecret',
              Condition: Match.objectLike({
                ArnEquals: { 'aws:PrincipalArn': [lambdaRoleArn, digestRoleArn] },
                StringLike: {
                  'kms:EncryptionContext:SecretARN': Match.objectLike({
                    'Fn::Join': ['', Match.arrayWith([`:secret:${secretName}-??????`])],
                  }),
                },
              }),
            }),
          ]),
        },
      });
    }
    template.resourceCountIs('AWS::SecretsManager::Secret', 3);
  });

  it('gives the Lambda the routes with each channel’s topic name or secret name, and nothing else of them', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const [variables] = Object.values(functions).map((resource) => resource.Properties.Environment.Variables as Record<string, unknown>);
    const routing = JSON.parse(variables[HANDLER_ENV.alertRoutes] as string) as DeployedRouting;
    expect(routing).toEqual({
      routes: ROUTES.routes,
      accountOrganizationalUnits: ROUTES.accountOrganizationalUnits,
      channels: {
        security: { type: 'sns', topicName: 'Denyscope-security' },
        audit: { type: 'sns', topicName: 'Denyscope-audit' },
        'team-a': { type: 'slack', secretName: 'denyscope/slack-team-a' },
        'team-b': { type: 'slack', secretName: 'denyscope/slack-team-b' },
      },
    });
  });

  // CDK sorts a statement's resources by logical id.
  it('lets the Lambda publish to the route topics and read the route secrets, each named, and decrypt them only through Secrets Manager', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'RouteTopics',
            Effect: 'Allow',
            Action: 'sns:Publish',
            Resource: [routeTopic('audit'), routeTopic('security')],
          }),
          ...(['teama', 'teamb'] as const).flatMap((name) => [
            Match.objectLike({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: routeSecret(name) }),
            Match.objectLike({
              Action: 'kms:Decrypt',
              Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp(`NotificationsRouteWebhook${name}Key`), 'Arn'] },
              Condition: {
                StringEquals: {
                  'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
                  'kms:EncryptionContext:SecretARN': routeSecret(name),
                },
              },
            }),
          ]),
        ]),
      },
    });
  });

  it('adds nothing without routes: no routes variable, no route topic or secret', () => {
    const plain = synthStack().template;
    plain.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [HANDLER_ENV.alertRoutes]: Match.absent() }) },
    });
    plain.resourceCountIs('AWS::SNS::Topic', 1);
    plain.resourceCountIs('AWS::SecretsManager::Secret', 1);
  });

  it('creates the route secrets with their keys when the stack’s own secret is an existing one, and leaves that secret alone', () => {
    const existing = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ops/slack-AbCdEf';
    const routes: RoutesInput = {
      channels: { 'team-a': { type: 'slack', secretName: 'denyscope/slack-team-a' } },
      routes: [{ name: 'everything-else', default: true, channels: ['team-a', 'slack'] }],
    };
    const withExisting = synthStack({ existingSlackWebhookSecretArn: existing, routes }).template;
    withExisting.resourceCountIs('AWS::SecretsManager::Secret', 1);
    withExisting.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 1);
    withExisting.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', { SecretId: routeSecret('teama') });
    // The existing secret's statement has no key condition of the stack's key: that key does not encrypt it.
    const policies = Object.values(withExisting.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Array<{ Sid?: string }>,
    );
    expect(policies.map((statement) => statement.Sid)).toEqual(expect.arrayContaining(['SlackWebhookSecret', 'RouteWebhook0SecretKey']));
    expect(policies.map((statement) => statement.Sid)).not.toContain('SlackWebhookSecretKey');
  });
});

describe('routes in the configuration', () => {
  const invalid = (routes: unknown) => {
    try {
      resolveConfig({ routes });
    } catch (error) {
      if (error instanceof ConfigurationError) return error.message;
      throw error;
    }
    throw new Error('expected a ConfigurationError');
  };

  it('reads routes from context as a JSON string (-c routes=...) or as the object of cdk.json', () => {
    const context = (value: unknown) => configFromContext((key) => (key === 'routes' ? value : undefined)).routes;
    expect(context(JSON.stringify(ROUTES))?.channels.audit).toEqual({ type: 'sns', emails: [] });
    expect(context(ROUTES)?.routes).toEqual(ROUTES.routes);
    expect(() => context('{"routes": [')).toThrow(/"routes": not JSON: /);
  });

  it('names the route and the field of each problem, once, without repeating the whole document', () => {
    const message = invalid({
      channels: { security: { type: 'sns' } },
      routes: [
        { name: 'team-a', match: { accounts: ['1234'] }, channels: ['securty'] },
        { name: 'empty', match: {}, channels: ['security'] },
      ],
    });
    expect(message.split('\n')).toEqual([
      'Invalid AccessDeniedAlerts props:',
      '  - "routes": route "team-a", match.accounts[0]: not a 12-digit AWS account id (got "1234")',
    ]);
    expect(
      invalid({ routes: [{ name: 'a', match: { causes: ['unknown'] }, channels: ['nope'] }] })
        .split('\n')
        .slice(1),
    ).toEqual([
      expect.stringMatching(/^ {2}- "routes": routes: no default route/),
      '  - "routes": route "a", channels[0]: unknown channel "nope" (declared: sns, slack)',
    ]);
  });

  it('refuses a route secret that is the stack’s own webhook secret', () => {
    expect(
      invalid({
        channels: { team: { type: 'slack', secretName: 'denyscope/slack-webhook' } },
        routes: [{ name: 'everything-else', default: true, channels: ['team'] }],
      }),
    ).toContain('"routes": channel "team", secretName: denyscope/slack-webhook is the stack\'s own Slack secret');
  });

  it('stops synth when the routes do not fit the Lambda’s environment, saying by how much', () => {
    const accounts = Array.from({ length: 250 }, (_, index) => String(100000000000 + index));
    const routes: RoutesInput = {
      routes: [
        { name: 'many-accounts', match: { accounts }, channels: ['slack'] },
        { name: 'everything-else', default: true, channels: ['sns'] },
      ],
    };
    expect(() => buildStack({ routes })).toThrow(
      new RegExp(
        `^Invalid routes: they take \\d+ bytes of the alert Lambda's environment \\(ALERT_ROUTES\\), more than the ${ROUTES_ENV_LIMIT_BYTES}`,
      ),
    );
    // The limit is Lambda's 4 KB for every variable together; the routes leave room for the others.
    expect(ROUTES_ENV_LIMIT_BYTES).toBeLessThan(4096);
  });

  it('is read by bin/app.ts from cdk.json context', () => {
    const app = new App({ context: { ...cdkJsonContext(), routes: ROUTES } });
    expect(configFromContext((key) => app.node.tryGetContext(key)).routes?.routes).toHaveLength(4);
  });
});
