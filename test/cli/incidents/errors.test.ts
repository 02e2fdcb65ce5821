import { describeStoreError } from '../../../cli/incidents/errors';
import { ConnectionError } from '../../../cli/incidents/connection';
import { DataDirError } from '../../../cli/local/dataDirLock';

const WHERE = 'table denyscope-Incidents in eu-west-1';
const named = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });

describe('describeStoreError: one line saying what went wrong with the store', () => {
  it.each([
    [
      new ConnectionError('no region for table X: pass --region or set AWS_REGION'),
      'no region for table X: pass --region or set AWS_REGION',
    ],
    [
      new DataDirError('data dir ./.denyscope is in use by another denyscope process (pid 42)'),
      'data dir ./.denyscope is in use by another denyscope process (pid 42)',
    ],
    [
      named('CredentialsProviderError', 'Could not load credentials from any providers'),
      `no AWS credentials for ${WHERE}: configure the standard chain (AWS_PROFILE, \`aws configure\`, \`aws sso login\`, environment variables or an instance role)`,
    ],
    [named('Error', 'connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }), `cannot reach ${WHERE}: ECONNREFUSED`],
    [named('Error', 'getaddrinfo ENOTFOUND dynamodb.nowhere.example'), `cannot reach ${WHERE}: ENOTFOUND`],
    [named('Error', 'fetch failed', { cause: named('Error', 'timeout', { code: 'ETIMEDOUT' }) }), `cannot reach ${WHERE}: ETIMEDOUT`],
    [named('TimeoutError', 'socket hang up'), `cannot reach ${WHERE}: timed out`],
    [named('ResourceNotFoundException', 'Requested resource not found'), `${WHERE} does not exist`],
    [
      named('UnrecognizedClientException', 'The security token included in the request is invalid.'),
      `AWS rejected the credentials for ${WHERE}: The security token included in the request is invalid.`,
    ],
    [
      named('ExpiredTokenException', 'The security token included in the request is expired'),
      `AWS rejected the credentials for ${WHERE}: The security token included in the request is expired`,
    ],
    [
      named('AccessDeniedException', 'User: arn:aws:iam::1:user/a is not authorized to perform: dynamodb:Query'),
      `access denied to ${WHERE} (the caller needs dynamodb:Query on the table and its indexes, and kms:Decrypt on the table's key): User: arn:aws:iam::1:user/a is not authorized to perform: dynamodb:Query`,
    ],
    [named('InternalServerError', 'boom'), `${WHERE}: InternalServerError: boom`],
    ['a string', `${WHERE}: a string`],
  ])('%p', (error, expected) => {
    expect(describeStoreError(error, WHERE)).toBe(expected);
  });
});
