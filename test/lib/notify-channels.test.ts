import { Match, Template } from 'aws-cdk-lib/assertions';
import { HANDLER_ENV } from '../../core/contract';
import { resolveConfig } from '../../lib/config';
import { synthStack } from './stack-fixture';

const CHANNELS = {
  slackBotTokenSecretName: 'denyscope/slack-bot',
  slackChannel: 'C0ALERTS01',
  pagerDutyRoutingKeySecretName: 'denyscope/pagerduty',
  chatNotificationsTopic: true,
} as const;

describe('Slack bot, PagerDuty and Amazon Q Developer channels in the stack', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthStack(CHANNELS));
  });

  it('creates each secret empty, encrypted with a key of its own, readable only by the named readers', () => {
    for (const name of ['denyscope/slack-bot', 'denyscope/pagerduty']) {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: name,
        KmsKeyId: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
        GenerateSecretString: Match.absent(),
        SecretString: Match.absent(),
      });
    }
    template.resourcePropertiesCountIs(
      'AWS::SecretsManager::ResourcePolicy',
      { ResourcePolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'OnlyNamedReadersGetTheValue', Effect: 'Deny' })]) } },
      3,
    );
  });

  it('creates the custom-notification topic with a customer managed key and a TLS-only policy', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'denyscope alerts as Amazon Q Developer custom notifications',
      KmsMasterKeyId: Match.anyValue(),
    });
    template.resourcePropertiesCountIs(
      'AWS::SNS::TopicPolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      },
      2,
    );
  });

  it('gives the alert Lambda the secrets’ ARNs (never values), the channel and the topic', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [HANDLER_ENV.slackBotTokenSecretArn]: { Ref: Match.stringLikeRegexp('SlackBotToken') },
          [HANDLER_ENV.slackChannel]: 'C0ALERTS01',
          [HANDLER_ENV.pagerDutyRoutingKeySecretArn]: { Ref: Match.stringLikeRegexp('PagerDutyRoutingKey') },
          [HANDLER_ENV.chatNotificationsTopicArn]: { Ref: Match.stringLikeRegexp('ChatNotificationsTopic') },
        }),
      },
    });
  });

  it('lets the Lambda read exactly those secrets (key through Secrets Manager for that secret) and publish to the topic', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'SlackBotTokenSecret',
            Action: 'secretsmanager:GetSecretValue',
            Resource: { Ref: Match.stringLikeRegexp('SlackBotToken') },
          }),
          Match.objectLike({
            Sid: 'SlackBotTokenSecretKey',
            Action: 'kms:Decrypt',
            Condition: {
              StringEquals: {
                'kms:ViaService': Match.anyValue(),
                'kms:EncryptionContext:SecretARN': { Ref: Match.stringLikeRegexp('SlackBotToken') },
              },
            },
          }),
          Match.objectLike({
            Sid: 'ChatNotificationsTopic',
            Action: 'sns:Publish',
            Resource: { Ref: Match.stringLikeRegexp('ChatNotificationsTopic') },
          }),
          Match.objectLike({ Sid: 'PagerDutyRoutingKeySecret', Action: 'secretsmanager:GetSecretValue' }),
        ]),
      },
    });
  });

  it('creates none of them by default', () => {
    const { template: defaults } = synthStack({});
    expect(Object.keys(defaults.findResources('AWS::SecretsManager::Secret'))).toHaveLength(1);
    expect(Object.keys(defaults.findResources('AWS::SNS::Topic'))).toHaveLength(1);
  });
});

describe('channel settings', () => {
  it('needs slackChannel and slackBotTokenSecretName together, and a channel ID', () => {
    expect(() => resolveConfig({ slackBotTokenSecretName: 'denyscope/slack-bot' })).toThrow(
      '"slackChannel": required with slackBotTokenSecretName',
    );
    expect(() => resolveConfig({ slackChannel: 'C0ALERTS01' })).toThrow('"slackBotTokenSecretName": required with slackChannel');
    expect(() => resolveConfig({ ...CHANNELS, slackChannel: '#alerts' })).toThrow('"slackChannel": not a Slack channel ID');
    expect(resolveConfig({ chatNotificationsTopic: 'true' }).chatNotificationsTopic).toBe(true);
  });
});
