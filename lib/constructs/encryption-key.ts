import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * Key administration written out instead of the default `kms:*` for the account root: the account can
 * manage the key, but using it for data is only allowed through the one service the key belongs to.
 */
const KEY_ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];

/** What a caller needs on a key for a service to encrypt and decrypt on its behalf (DynamoDB, SQS, SNS). */
export const KEY_USE_VIA_SERVICE_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:DescribeKey',
  'kms:CreateGrant',
];

export interface EncryptionKeyProps {
  readonly description: string;
  /** The service that uses the key for callers in this account, e.g. 'dynamodb' (kms:ViaService dynamodb.REGION.amazonaws.com). */
  readonly viaService: string;
  /**
   * What any principal of this account that IAM allows may do with the key through `viaService`; none when
   * every use is written out with {@link EncryptionKey.allowViaService}. @default KEY_USE_VIA_SERVICE_ACTIONS
   */
  readonly actionsViaService?: readonly string[];
  readonly removalPolicy: RemovalPolicy;
}

/** A key a service uses on behalf of callers: what a caller's policy names (the key, and kms:ViaService). */
export interface ServiceKey {
  readonly key: kms.IKey;
  /** The owning service's endpoint, e.g. dynamodb.REGION.amazonaws.com, for kms:ViaService. */
  readonly viaService: string;
}

/** Condition operator → condition key → value(s), as in a policy statement's Condition element. */
export type PolicyConditions = Record<string, Record<string, unknown>>;

/** A customer managed key with rotation, used by one service on behalf of this account's principals. */
export class EncryptionKey extends Construct implements ServiceKey {
  readonly key: kms.Key;
  readonly viaService: string;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    this.viaService = viaServiceOf(props.viaService);
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'KeyAdministration',
          principals: [new iam.AccountRootPrincipal()],
          actions: KEY_ADMIN_ACTIONS,
          resources: ['*'],
        }),
      ],
    });
    this.key = new kms.Key(this, 'Key', {
      description: props.description,
      enableKeyRotation: true,
      policy,
      removalPolicy: props.removalPolicy,
      pendingWindow: Duration.days(30),
    });
    const actionsViaService = props.actionsViaService ?? KEY_USE_VIA_SERVICE_ACTIONS;
    if (actionsViaService.length > 0) this.allowViaService(`UseThrough${capitalized(props.viaService)}`, actionsViaService);
  }

  /**
   * Lets principals of this account use the key for `actions`, only through the owning service and only
   * when their IAM policies allow it too (the key policy delegates to the account), narrowed by `conditions`.
   */
  allowViaService(sid: string, actions: readonly string[], conditions: PolicyConditions = {}): void {
    const { StringEquals: stringEquals, ...others } = conditions;
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        principals: [new iam.AccountRootPrincipal()],
        actions: [...actions],
        resources: ['*'],
        conditions: {
          ...others,
          StringEquals: { 'kms:ViaService': this.viaService, 'kms:CallerAccount': Aws.ACCOUNT_ID, ...stringEquals },
        },
      }),
    );
  }

  /** Lets an AWS service principal use the key itself for `actions`, limited by `conditions` (its aws:SourceArn or encryption context). */
  allowService(sid: string, servicePrincipal: string, actions: readonly string[], conditions: PolicyConditions): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        principals: [new iam.ServicePrincipal(servicePrincipal)],
        actions: [...actions],
        resources: ['*'],
        conditions,
      }),
    );
  }

  /** Lets an AWS service principal (EventBridge, CloudWatch) encrypt messages, limited by `conditions` (its aws:SourceArn). */
  allowServiceToEncrypt(servicePrincipal: string, conditions: PolicyConditions): void {
    this.allowService(
      `Allow${capitalized(servicePrincipal.split('.')[0])}ToEncrypt`,
      servicePrincipal,
      ['kms:GenerateDataKey*', 'kms:Decrypt'],
      conditions,
    );
  }
}

const capitalized = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

/** The kms:ViaService value of a service in this stack's Region, e.g. dynamodb.eu-west-1.amazonaws.com. */
export const viaServiceOf = (service: string): string => `${service}.${Aws.REGION}.amazonaws.com`;
