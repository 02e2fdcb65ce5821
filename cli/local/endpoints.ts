/** dynalite and other emulators check no signature, but the SDK will not sign without credentials. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'denyscope-local', secretAccessKey: 'denyscope-local' } as const;
export const LOCAL_REGION = 'us-east-1';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Credentials for a custom endpoint: an emulator on this machine gets placeholders (so it works with no
 * AWS setup at all); anything else gets undefined, i.e. the standard AWS credential chain.
 */
export function credentialsForEndpoint(endpoint: string): typeof LOCAL_CREDENTIALS | undefined {
  return LOOPBACK_HOSTS.has(new URL(endpoint).hostname) ? LOCAL_CREDENTIALS : undefined;
}

/** A region from the option, else the environment, else a placeholder that emulators accept. */
export function regionOr(region: string | undefined, fallback: string = LOCAL_REGION): string {
  return region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || fallback);
}

/**
 * Under Node 20 the SDK prints, once per process, that SDK releases after January 2027 will need Node 22.
 * denyscope's SDK version is pinned by its lock file, so for a CLI user that notice is only noise on stderr.
 * Call before the first SDK client is constructed; an explicit setting by the user wins.
 */
export function silenceSdkNodeVersionNotice(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
