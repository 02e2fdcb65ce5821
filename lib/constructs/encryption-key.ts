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
  readonly removalPolicy: RemovalPolicy;
}

/** A customer managed key with rotation, used by one service on behalf of this account's principals. */
export class EncryptionKey extends Construct {
  readonly key: kms.Key;
  readonly viaService: string;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    this.viaService = `${props.viaService}.${Aws.REGION}.amazonaws.com`;
    const account = new iam.AccountRootPrincipal();
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({ sid: 'KeyAdministration', principals: [account], actions: KEY_ADMIN_ACTIONS, resources: ['*'] }),
        // IAM policies of this account decide who may use the key, and only through the owning service.
        new iam.PolicyStatement({
          sid: `UseThrough${capitalized(props.viaService)}`,
          principals: [account],
          actions: KEY_USE_VIA_SERVICE_ACTIONS,
          resources: ['*'],
          conditions: { StringEquals: { 'kms:ViaService': this.viaService, 'kms:CallerAccount': Aws.ACCOUNT_ID } },
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
  }

  /** Lets an AWS service principal (EventBridge, CloudWatch) encrypt messages, limited by `conditions` (its aws:SourceArn). */
  allowServiceToEncrypt(servicePrincipal: string, conditions: Record<string, unknown>): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `Allow${capitalized(servicePrincipal.split('.')[0])}ToEncrypt`,
        principals: [new iam.ServicePrincipal(servicePrincipal)],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions,
      }),
    );
  }
}

const capitalized = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);
