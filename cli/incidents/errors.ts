import { DataDirError } from '../local/dataDirLock';
import { ConnectionError } from './connection';

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * One line that says what went wrong with the store and what to do, instead of an SDK stack.
 * `missingTable` is the line for a table that does not exist (it depends on where the table was looked for).
 */
export function describeStoreError(error: unknown, where: string, missingTable = `${where} does not exist`): string {
  if (error instanceof ConnectionError || error instanceof DataDirError) return error.message;
  // Not `instanceof Error`: network errors can come from another realm (a vm context, jest).
  if (!isErrorLike(error)) return `${where}: ${String(error)}`;
  switch (error.name) {
    case 'ResourceNotFoundException':
      return missingTable;
    case 'AccessDeniedException':
      return `access denied to ${where} (the caller needs dynamodb:Query on the table and its indexes, and kms:Decrypt on the table's key): ${error.message}`;
    default:
      return describeAwsCallError(error, where);
  }
}

/** The failures any AWS-compatible endpoint shares: no credentials, unreachable, credentials rejected. */
export function describeAwsCallError(error: unknown, where: string): string {
  if (!isErrorLike(error)) return `${where}: ${String(error)}`;
  const code = errorCode(error);
  if (error.name === 'CredentialsProviderError' || /could not load credentials/i.test(error.message)) {
    return `no AWS credentials for ${where}: configure the standard chain (AWS_PROFILE, \`aws configure\`, \`aws sso login\`, environment variables or an instance role)`;
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code)) return `cannot reach ${where}: ${code}`;
  if (error.name === 'TimeoutError') return `cannot reach ${where}: timed out`;
  switch (error.name) {
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'ExpiredTokenException':
    case 'InvalidClientTokenId':
      return `AWS rejected the credentials for ${where}: ${error.message}`;
    default:
      return `${where}: ${error.name}: ${error.message}`;
  }
}

interface ErrorLike {
  readonly name: string;
  readonly message: string;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
}

function isErrorLike(value: unknown): value is ErrorLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorLike).message === 'string' &&
    typeof (value as ErrorLike).name === 'string'
  );
}

/**
 * Node network errors carry `code`; the SDK sometimes wraps them (AggregateError, `cause`, or a plain
 * "AWS SDK error wrapper for Error: connect ECONNREFUSED ..." that keeps only the message).
 */
function errorCode(error: ErrorLike): string | undefined {
  if (typeof error.code === 'string') return error.code;
  const named = [...UNREACHABLE_CODES].find((code) => new RegExp(`\\b${code}\\b`).test(error.message));
  if (named !== undefined) return named;
  if (isErrorLike(error.cause)) return errorCode(error.cause);
  const first: unknown = Array.isArray(error.errors) ? error.errors[0] : undefined;
  return isErrorLike(first) ? errorCode(first) : undefined;
}
