import { Arn, ArnFormat, Aws, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EncryptionKey } from './encryption-key';

export interface NotificationsProps {
  readonly alertEmails: readonly string[];
  readonly slackWebhookSecretName: string;
  readonly existingSlackWebhookSecretArn?: string;
  readonly removalPolicy: RemovalPolicy;
}

/** Where alerts go: the encrypted SNS topic with its e-mail subscriptions, and the Slack webhook secret. */
export class Notifications extends Construct {
  readonly topic: sns.Topic;
  readonly topicKey: EncryptionKey;
  readonly slackWebhookSecret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.topicKey = new EncryptionKey(this, 'TopicKey', {
      description: 'denyscope: encrypts the alert topic',
      viaService: 'sns',
      removalPolicy: props.removalPolicy,
    });
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'denyscope access-denied alerts',
      masterKey: this.topicKey.key,
      enforceSSL: true,
    });
    for (const email of props.alertEmails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));

    // Alarms in this account publish to the topic (CloudWatch needs the key to encrypt the message).
    const alarmsOfThisAccount = {
      ArnLike: {
        'aws:SourceArn': Arn.format({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          partition: Aws.PARTITION,
          region: Aws.REGION,
          account: Aws.ACCOUNT_ID,
        }),
      },
    };
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: alarmsOfThisAccount,
      }),
    );
    this.topicKey.allowServiceToEncrypt('cloudwatch.amazonaws.com', alarmsOfThisAccount);

    this.slackWebhookSecret = props.existingSlackWebhookSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'SlackWebhook', props.existingSlackWebhookSecretArn)
      : this.createEmptySecret(props.slackWebhookSecretName, props.removalPolicy);
  }

  /** The webhook URL is set after deployment (README); the stack never sees it. */
  private createEmptySecret(secretName: string, removalPolicy: RemovalPolicy): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'SlackWebhook', {
      secretName,
      description: 'Slack incoming-webhook URL for denyscope alerts (set with aws secretsmanager put-secret-value)',
      removalPolicy,
    });
    // The L2 Secret always generates a random value; without SecretString and GenerateSecretString
    // CloudFormation creates the secret with no value, and the Lambda treats that as "Slack not configured".
    (secret.node.defaultChild as secretsmanager.CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
    Validations.of(secret.node.defaultChild as secretsmanager.CfnSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'A Slack incoming-webhook URL cannot be rotated by Secrets Manager; it is replaced by hand in Slack and put-secret-value.',
    });
    return secret;
  }
}
