/** Name and message only: SDK errors carry request metadata, fetch errors their cause; neither belongs in a log. */
export function describeError(error: unknown): string {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (typeof name === 'string' && typeof message === 'string') return `${name}: ${message}`.slice(0, 500);
  return String(error).slice(0, 500);
}
