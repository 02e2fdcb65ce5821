/**
 * What every AWS read of the policy sources shares: at most N calls in flight, each result read once per TTL, the
 * caller's abort signal on every call, and one wording for why a read failed.
 */

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'Client.UnauthorizedOperation']);
const NOT_FOUND = new Set([
  'NoSuchEntity',
  'NoSuchEntityException',
  'ResourceNotFoundException',
  'NotFoundException',
  'InvalidVpcEndpointId.NotFound',
  'ChildNotFoundException',
  'TargetNotFoundException',
]);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'LimitExceededException',
]);
const CREDENTIALS_REJECTED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'AuthFailure',
]);
const TIMED_OUT = new Set(['TimeoutError', 'AbortError', 'RequestTimeout']);

/** A read that failed, with the reason as it goes into missingPolicies. */
export class ReadFailure extends Error {
  constructor(
    readonly reason: string,
    /** Worth trying again later (throttling, timeout, network): not kept in the cache. */
    readonly transient: boolean,
    /** The thing does not exist (a deleted principal, table, key or endpoint). */
    readonly notFound = false,
  ) {
    super(reason);
  }
}

/** Why an SDK call failed, in words for a person; `action` is the IAM action the call needs ("iam:GetRole"). */
export function readFailureOf(error: unknown, action: string): ReadFailure {
  if (error instanceof ReadFailure) return error;
  const { name, message, $metadata } = (error ?? {}) as { name?: unknown; message?: unknown; $metadata?: { attempts?: number } };
  const code = typeof name === 'string' ? name : 'Error';
  const text = typeof message === 'string' ? message.slice(0, 200) : String(error).slice(0, 200);
  if (ACCESS_DENIED.has(code)) return new ReadFailure(`access denied (${action})`, false);
  if (NOT_FOUND.has(code)) return new ReadFailure(`does not exist (${code})`, false, true);
  if (code === 'AWSOrganizationsNotInUseException') return new ReadFailure('the account is not in an organization', false);
  if (THROTTLED.has(code)) return new ReadFailure(`throttled (${code}) after ${$metadata?.attempts ?? 1} attempts`, true);
  if (CREDENTIALS_REJECTED.has(code)) return new ReadFailure(`credentials rejected (${code})`, false);
  if (code === 'CredentialsProviderError') return new ReadFailure(`no AWS credentials (${text})`, false);
  if (TIMED_OUT.has(code)) return new ReadFailure('timed out', true);
  if (/Region is missing/i.test(text)) return new ReadFailure('no AWS region (pass --region or set AWS_REGION)', false);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return new ReadFailure(`${code}: ${text}`, status === undefined || status >= 500);
}

/** Runs at most `limit` tasks at once, in the order they were asked for. */
export function createLimiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    running -= 1;
    waiting.shift()?.();
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      release();
    }
  };
}

/**
 * Each key read once while its result is younger than the TTL (a CLI run: for the whole run; a warm Lambda: a short
 * while), concurrent asks sharing the one read. A transient failure is forgotten once settled, so the next ask reads again.
 */
export class ReadCache {
  private readonly entries = new Map<string, { value: Promise<unknown>; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get<T>(key: string, read: () => Promise<T>): Promise<T> {
    const at = this.now();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > at) return cached.value as Promise<T>;
    const value = read();
    const entry = { value, expiresAt: at + this.ttlMs };
    this.entries.set(key, entry);
    value.catch((error: unknown) => {
      if (!(error instanceof ReadFailure) || error.transient) {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      }
    });
    return value;
  }
}

/** Follows a list operation's pages to the end; `next` is the token of the following page, if any. */
export async function readAllPages<T>(
  readPage: (token: string | undefined) => Promise<{ items: readonly T[] | undefined; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const { items, next } = await readPage(token);
    all.push(...(items ?? []));
    token = next;
  } while (token !== undefined && token !== '');
  return all;
}

/**
 * A policy document as the API returns it: IAM's are URL-encoded (RFC 3986), the others plain JSON text. A document
 * that is not JSON is kept as text, so the store parser names the problem.
 */
export function policyDocumentOf(text: string): Record<string, unknown> | string {
  const trimmed = text.trim();
  let json = trimmed;
  if (!trimmed.startsWith('{')) {
    try {
      json = decodeURIComponent(trimmed);
    } catch {
      return text;
    }
  }
  try {
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : json;
  } catch {
    return json;
  }
}
