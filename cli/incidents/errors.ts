import { DataDirError } from '../local/dataDirLock';
import { ConnectionError } from './connection';

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** One line that says what went wrong with the store and what to do, instead of an SDK stack. */
export function describeStoreError(error: unknown, where: string): string {
  if (error instanceof ConnectionError || error instanceof DataDirError) return error.message;
  if (!(error instanceof Error)) return `${where}: ${String(error)}`;
  const code = errorCode(error);
  if (error.name === 'CredentialsProviderError' || /could not load credentials/i.test(error.message)) {
    return `no AWS credentials for ${where}: configure the standard chain (AWS_PROFILE, \`aws configure\`, \`aws sso login\`, environment variables or an instance role)`;
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code)) return `cannot reach ${where}: ${code}`;
  if (error.name === 'TimeoutError') return `cannot reach ${where}: timed out`;
  switch (error.name) {
    case 'ResourceNotFoundException':
      return `${where} does not exist (check the table name and region; the stack outputs the name)`;
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'ExpiredTokenException':
      return `AWS rejected the credentials for ${where}: ${error.message}`;
    case 'AccessDeniedException':
      return `access denied to ${where} (the caller needs dynamodb:Query on the table and its indexes): ${error.message}`;
    default:
      return `${where}: ${error.name}: ${error.message}`;
  }
}

/** Node network errors carry `code`; the SDK sometimes wraps them (AggregateError, `cause`). */
function errorCode(error: Error): string | undefined {
  const withCode = error as Error & { code?: unknown; cause?: unknown; errors?: unknown[] };
  if (typeof withCode.code === 'string') return withCode.code;
  if (withCode.cause instanceof Error) return errorCode(withCode.cause);
  const first = withCode.errors?.[0];
  return first instanceof Error ? errorCode(first) : undefined;
}
