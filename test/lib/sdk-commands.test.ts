import * as path from 'path';
import { iamActionOf, sdkCommandsSentFrom } from './sdk-commands';

const fixture = (name: string) => path.join(__dirname, 'fixtures', 'sdk-calls', name);

describe('sdkCommandsSentFrom', () => {
  it('finds the commands reachable code sends, through imported modules and namespace imports', async () => {
    expect(await sdkCommandsSentFrom(fixture('entry.ts'))).toEqual([
      { module: '@aws-sdk/client-sns', name: 'PublishCommand' },
      { module: '@aws-sdk/lib-dynamodb', name: 'UpdateCommand' },
    ]);
  });

  it('ignores commands only named as types and modules the entry never imports', async () => {
    const names = (await sdkCommandsSentFrom(fixture('entry.ts'))).map((command) => command.name);
    expect(names).not.toEqual(expect.arrayContaining(['GetCommand']));
    expect(names).not.toEqual(expect.arrayContaining(['DeleteItemCommand']));
    expect(names).not.toEqual(expect.arrayContaining(['ScanCommand']));
    expect(await sdkCommandsSentFrom(fixture('not-reached.ts'))).toEqual([{ module: '@aws-sdk/client-dynamodb', name: 'ScanCommand' }]);
  });

  it('refuses a paginator, whose commands the bundle cannot show', async () => {
    await expect(sdkCommandsSentFrom(fixture('paginator.ts'))).rejects.toThrow(
      /reaches paginateQuery of @aws-sdk\/lib-dynamodb, which sends commands this check cannot see/,
    );
  });
});

describe('iamActionOf', () => {
  // Expected: the Service Authorization Reference (actions of Amazon DynamoDB, Amazon SNS, AWS Secrets Manager,
  // AWS KMS) and the DynamoDB document client's documentation of the operation each command sends.
  it.each([
    ['@aws-sdk/lib-dynamodb', 'UpdateCommand', 'dynamodb:UpdateItem'],
    ['@aws-sdk/lib-dynamodb', 'GetCommand', 'dynamodb:GetItem'],
    ['@aws-sdk/lib-dynamodb', 'DeleteCommand', 'dynamodb:DeleteItem'],
    ['@aws-sdk/lib-dynamodb', 'PutCommand', 'dynamodb:PutItem'],
    ['@aws-sdk/lib-dynamodb', 'QueryCommand', 'dynamodb:Query'],
    ['@aws-sdk/lib-dynamodb', 'BatchWriteCommand', 'dynamodb:BatchWriteItem'],
    ['@aws-sdk/client-dynamodb', 'DescribeTableCommand', 'dynamodb:DescribeTable'],
    ['@aws-sdk/client-dynamodb', 'UpdateItemCommand', 'dynamodb:UpdateItem'],
    ['@aws-sdk/client-sns', 'PublishCommand', 'sns:Publish'],
    ['@aws-sdk/client-secrets-manager', 'GetSecretValueCommand', 'secretsmanager:GetSecretValue'],
    ['@aws-sdk/client-kms', 'DescribeKeyCommand', 'kms:DescribeKey'],
  ])('maps %s %s to %s', (module, name, action) => {
    expect(iamActionOf({ module, name })).toBe(action);
  });

  it.each([
    [
      '@aws-sdk/lib-dynamodb',
      'TransactWriteCommand',
      /TransactWriteItems\) has no IAM action of its own: each item needs dynamodb:PutItem/,
    ],
    [
      '@aws-sdk/client-dynamodb',
      'ExecuteStatementCommand',
      /ExecuteStatement\) has no IAM action of its own: each statement needs dynamodb:PartiQLSelect/,
    ],
  ])('refuses %s %s, authorized per item or statement', (module, name, message) => {
    expect(() => iamActionOf({ module, name })).toThrow(message);
  });
});
