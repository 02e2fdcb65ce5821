import { Arn, ArnFormat, Aws, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { RoutesConfig } from '@denyscope/core/incidents/routes-schema';
import type { ChannelDestination, DeployedRouting } from '@denyscope/core/incidents/routes';
import { EncryptionKey, PolicyConditions } from './encryption-key';

export interface NotificationsProps {
  readonly alertEmails: readonly string[];
  readonly slackWebhookSecretName: string;
  readonly existingSlackWebhookSecretArn?: string;
  /** The Slack app's bot token secret to create (empty), or none. */
  readonly slackBotTokenSecretName?: string;
  /** The PagerDuty routing key secret to create (empty), or none. */
  readonly pagerDutyRoutingKeySecretName?: string;
  /** Create the Amazon Q Developer custom-notification topic. */
  readonly chatNotificationsTopic: boolean;
  readonly removalPolicy: RemovalPolicy;
  /** Alert routes: a topic per declared SNS channel and a webhook secret per declared Slack channel. */
  readonly routes?: RoutesConfig;
}

/** What the alert Lambda needs for the routes: the routes themselves, and the channels' topics and secrets. */
export interface RouteChannels {
  readonly routing: DeployedRouting;
  readonly topics: readonly sns.ITopic[];
  readonly webhookSecrets: readonly OwnSecret[];
}

/** A secret the stack creates empty, with a key of its own whose policy names who decrypts it. */
export interface OwnSecret {
  readonly secret: secretsmanager.ISecret;
  readonly key: EncryptionKey;
  /** Limits a key statement to this secret (Secrets Manager's encryption context). */
  readonly onlyThisSecret: PolicyConditions;
}

/**
 * The value of the encryption context key SecretVersionId in the calls Secrets Manager makes to check that the
 * caller may use a secret's key ("Secret encryption and decryption in AWS Secrets Manager"): they decrypt no secret.
 */
const KEY_ACCESS_VALIDATION = 'RequestToValidateKeyAccess';

/** Where alerts go: the encrypted SNS topic with its e-mail subscriptions, and the Slack webhook secret. */
export class Notifications extends Construct {
  readonly topic: sns.Topic;
  readonly topicKey: EncryptionKey;
  readonly slackWebhookSecret: secretsmanager.ISecret;
  /** Encrypts the webhook secret the stack creates; none for an existing secret (existingSlackWebhookSecretArn). */
  readonly slackWebhookSecretKey?: EncryptionKey;
  readonly slackBotTokenSecret?: OwnSecret;
  readonly pagerDutyRoutingKeySecret?: OwnSecret;
  /** Amazon Q Developer custom notifications (chatNotificationsTopic=true), encrypted with the alert topic's key. */
  readonly chatNotificationsTopic?: sns.Topic;
  /** Present with routes. */
  readonly routeChannels?: RouteChannels;
  /** Every secret the stack creates: only the named readers may read them. */
  private readonly ownSecrets: OwnSecret[] = [];

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

    if (props.existingSlackWebhookSecretArn) {
      this.slackWebhookSecret = secretsmanager.Secret.fromSecretCompleteArn(this, 'SlackWebhook', props.existingSlackWebhookSecretArn);
    } else {
      const webhook = this.createOwnSecret(
        'SlackWebhook',
        'Slack webhook',
        props.slackWebhookSecretName,
        'Slack incoming-webhook URL for denyscope alerts (set with aws secretsmanager put-secret-value)',
        'A Slack incoming-webhook URL cannot be rotated by Secrets Manager; it is replaced by hand in Slack and put-secret-value.',
        props.removalPolicy,
      );
      this.slackWebhookSecret = webhook.secret;
      this.slackWebhookSecretKey = webhook.key;
    }
    if (props.slackBotTokenSecretName) {
      this.slackBotTokenSecret = this.createOwnSecret(
        'SlackBotToken',
        'Slack bot token',
        props.slackBotTokenSecretName,
        'Slack app bot token (xoxb-..., scope chat:write) for denyscope alerts (set with aws secretsmanager put-secret-value)',
        'A Slack bot token cannot be rotated by Secrets Manager; it is reissued in the Slack app settings and put-secret-value.',
        props.removalPolicy,
      );
    }
    if (props.pagerDutyRoutingKeySecretName) {
      this.pagerDutyRoutingKeySecret = this.createOwnSecret(
        'PagerDutyRoutingKey',
        'PagerDuty routing key',
        props.pagerDutyRoutingKeySecretName,
        'PagerDuty Events API v2 routing key for denyscope (set with aws secretsmanager put-secret-value)',
        'A PagerDuty routing key cannot be rotated by Secrets Manager; it is regenerated in PagerDuty and put-secret-value.',
        props.removalPolicy,
      );
    }
    if (props.chatNotificationsTopic) {
      this.chatNotificationsTopic = new sns.Topic(this, 'ChatNotificationsTopic', {
        displayName: 'denyscope alerts as Amazon Q Developer custom notifications',
        masterKey: this.topicKey.key,
        enforceSSL: true,
      });
    }
    if (props.routes) this.routeChannels = this.createRouteChannels(props.routes, props.removalPolicy);
  }

  /** A topic (encrypted with the alert topic's key, TLS only, optional e-mail subscriptions) or webhook secret per declared channel. */
  private createRouteChannels(routes: RoutesConfig, removalPolicy: RemovalPolicy): RouteChannels {
    const stackName = Stack.of(this).stackName;
    const channels: Record<string, ChannelDestination> = {};
    const topics: sns.ITopic[] = [];
    const webhookSecrets: OwnSecret[] = [];
    for (const [name, channel] of Object.entries(routes.channels)) {
      if (channel.type === 'slack') {
        webhookSecrets.push(
          this.createOwnSecret(
            `RouteWebhook-${name}`,
            `Slack webhook of route channel ${name}`,
            channel.secretName,
            `Slack incoming-webhook URL for denyscope alerts of route channel ${name} (set with aws secretsmanager put-secret-value)`,
            'A Slack incoming-webhook URL cannot be rotated by Secrets Manager; it is replaced by hand in Slack and put-secret-value.',
            removalPolicy,
          ),
        );
        channels[name] = { type: 'slack', secretName: channel.secretName };
        continue;
      }
      if (Token.isUnresolved(stackName)) {
        throw new Error(
          `routes: channel "${name}": an SNS route channel's topic is named after the stack, whose name must be known at synth`,
        );
      }
      // Named, so that the Lambda finds it from the alert topic's ARN and the routes carry no deploy-time values.
      const topicName = `${stackName}-${name}`;
      const topic = new sns.Topic(this, `RouteTopic-${name}`, {
        topicName,
        displayName: `denyscope access-denied alerts: ${name}`,
        masterKey: this.topicKey.key,
        enforceSSL: true,
      });
      for (const email of channel.emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
      topics.push(topic);
      channels[name] = { type: 'sns', topicName };
    }
    return {
      routing: { routes: routes.routes, accountOrganizationalUnits: routes.accountOrganizationalUnits, channels },
      topics,
      webhookSecrets,
    };
  }

  /** The ARN ends with six random characters Secrets Manager adds; the name is fixed by the stack. */
  private createOwnSecret(
    id: string,
    what: string,
    secretName: string,
    description: string,
    rotationReason: string,
    removalPolicy: RemovalPolicy,
  ): OwnSecret {
    const secretArn = Arn.format(
      { service: 'secretsmanager', resource: 'secret', resourceName: `${secretName}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME },
      Stack.of(this),
    );
    const onlyThisSecret = { StringLike: { 'kms:EncryptionContext:SecretARN': secretArn } };
    const key = this.createSecretKey(`${id}Key`, `denyscope: encrypts the ${what} secret`, onlyThisSecret, removalPolicy);
    const secret = this.createEmptySecret(id, secretName, description, rotationReason, key, removalPolicy);
    const own = { secret, key, onlyThisSecret };
    this.ownSecrets.push(own);
    return own;
  }

  /**
   * Only `readerRole` (the alert Lambda's) and `otherReaderArns` may read the webhook URL: the secret's resource
   * policy denies secretsmanager:GetSecretValue to every other principal, whatever IAM allows, and the key decrypts
   * the secret for them only. Writing the value (put-secret-value) stays with IAM. An existing secret
   * (existingSlackWebhookSecretArn) keeps its own policies: the stack cannot change them.
   */
  restrictSlackSecretReaders(readerRole: iam.IRole, otherReaderArns: readonly string[]): void {
    // aws:PrincipalArn is the role's ARN for every session of the role (IAM User Guide, "AWS global condition
    // context keys", aws:PrincipalArn), so the deny never matches the Lambda, however its session is named.
    const readerArns = [readerRole.roleArn, ...otherReaderArns];
    for (const { secret, key, onlyThisSecret } of this.ownSecrets) {
      secret.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'OnlyNamedReadersGetTheValue',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['secretsmanager:GetSecretValue'],
          resources: ['*'],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': readerArns } },
        }),
      );
      key.allowViaService('ReadTheSecret', ['kms:Decrypt'], { ArnEquals: { 'aws:PrincipalArn': readerArns }, ...onlyThisSecret });
    }
  }

  /**
   * A key of its own, so that its policy can name who decrypts the secret: Secrets Manager uses it for whoever
   * calls, through kms:ViaService secretsmanager, with the secret's ARN as encryption context.
   */
  private createSecretKey(id: string, description: string, onlyThisSecret: PolicyConditions, removalPolicy: RemovalPolicy): EncryptionKey {
    const key = new EncryptionKey(this, id, {
      description,
      viaService: 'secretsmanager',
      actionsViaService: [],
      removalPolicy,
    });
    // put-secret-value: a new data key for the new value (IAM decides who may write).
    key.allowViaService('PutTheSecretValue', ['kms:GenerateDataKey'], onlyThisSecret);
    // Creating the secret with this key (CloudFormation) makes Secrets Manager check GenerateDataKey and Decrypt
    // with this marker as SecretVersionId; nothing encrypted under a real version can be decrypted this way.
    key.allowViaService('ValidateKeyAccess', ['kms:Decrypt'], {
      ...onlyThisSecret,
      StringEquals: { 'kms:EncryptionContext:SecretVersionId': KEY_ACCESS_VALIDATION },
    });
    return key;
  }

  /** The webhook URL is set after deployment (README); the stack never sees it. */
  private createEmptySecret(
    id: string,
    secretName: string,
    description: string,
    rotationReason: string,
    key: EncryptionKey,
    removalPolicy: RemovalPolicy,
  ): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, id, { secretName, description, removalPolicy });
    // The key is set on the L1 resource: the L2's encryptionKey would also let every principal of the account
    // decrypt through Secrets Manager in the key policy, which is what this key is there to prevent.
    (secret.node.defaultChild as secretsmanager.CfnSecret).kmsKeyId = key.key.keyArn;
    // The L2 Secret always generates a random value; without SecretString and GenerateSecretString
    // CloudFormation creates the secret with no value, and the Lambda treats that as "not configured".
    (secret.node.defaultChild as secretsmanager.CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
    Validations.of(secret.node.defaultChild as secretsmanager.CfnSecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: rotationReason });
    return secret;
  }
}
