import { createLimiter, ReadCache, readFailureOf } from './aws-reads';

/** How the readers reach AWS: every call bounded, cancellable and cached through one context. */
export interface ReadContext {
  /** One SDK call under the concurrency bound, with the caller's abort signal; a failure becomes a ReadFailure naming `action`. */
  call<T>(action: string, send: (abortSignal: AbortSignal | undefined) => Promise<T>): Promise<T>;
  /** The read of `key`, once per TTL. */
  cached<T>(key: string, read: () => Promise<T>): Promise<T>;
}

export function createReadContext(options: {
  readonly concurrency: number;
  readonly cache: ReadCache;
  readonly signal?: AbortSignal;
  readonly limit?: <T>(task: () => Promise<T>) => Promise<T>;
}): ReadContext {
  const limit = options.limit ?? createLimiter(options.concurrency);
  return {
    call: (action, send) =>
      limit(async () => {
        options.signal?.throwIfAborted();
        try {
          return await send(options.signal);
        } catch (error) {
          throw readFailureOf(error, action);
        }
      }),
    cached: (key, read) => options.cache.get(key, read),
  };
}
