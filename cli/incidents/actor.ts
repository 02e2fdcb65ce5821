import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import os from 'node:os';
import { describeAwsCallError } from './errors';
import { ConnectionError } from './connection';

/**
 * The caller's ARN as STS sees it (an assumed-role session ARN for SSO and role users). The client takes its
 * endpoint from the standard settings, AWS_ENDPOINT_URL_STS included.
 */
export async function callerArn(
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined,
): Promise<string> {
  const sts = new STSClient({ region, maxAttempts: 2, ...(credentials === undefined ? {} : { credentials }) });
  try {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (!Arn) throw new ConnectionError('STS GetCallerIdentity answered without an ARN: cannot record who acted');
    return Arn;
  } catch (error) {
    if (error instanceof ConnectionError) throw error;
    throw new ConnectionError(`cannot tell who is acting (sts get-caller-identity): ${describeAwsCallError(error, 'STS')}`);
  } finally {
    sts.destroy();
  }
}

/** Locally, the person at the terminal. */
export function osUser(): string {
  return os.userInfo().username;
}
