import { GetSecretValueCommand, ResourceNotFoundException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** A secret string (a Slack token, a webhook URL, a routing key), or null when none is configured. */
export interface SecretValueProvider {
  value(): Promise<string | null>;
}

export interface SecretsManagerSecretOptions {
  readonly secretId: string;
  /** What the value is, for the warning about a value that is not one ("a Slack bot token (xoxb-…)"). */
  readonly expected: string;
  /** True when the (trimmed, non-empty) value has the expected form. */
  readonly accepts: (value: string) => boolean;
  /** Called when the secret holds something else (the value itself is never passed). */
  readonly warn: (message: string) => void;
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/**
 * A secret from Secrets Manager, cached so a batch costs at most one GetSecretValue and a rotated secret is picked
 * up within `cacheMs`. No value yet (the stack creates secrets empty), an empty string or a value of the wrong form
 * means "not configured". The value is never logged.
 */
export class SecretsManagerSecret implements SecretValueProvider {
  private cached: { value: Promise<string | null>; until: number } | null = null;
  private readonly now: () => number;

  constructor(
    private readonly secrets: SecretsManagerClient,
    private readonly options: SecretsManagerSecretOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  value(): Promise<string | null> {
    if (this.cached !== null && this.now() < this.cached.until) return this.cached.value;
    const value = this.read();
    this.cached = { value, until: this.now() + (this.options.cacheMs ?? 300_000) };
    // A failed read is not cached: the next message tries again.
    value.catch(() => {
      this.cached = null;
    });
    return value;
  }

  private async read(): Promise<string | null> {
    let secretString: string | undefined;
    try {
      ({ SecretString: secretString } = await this.secrets.send(new GetSecretValueCommand({ SecretId: this.options.secretId })));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return null; // no value stored yet
      throw error;
    }
    const candidate = secretString?.trim() ?? '';
    if (candidate === '') return null;
    if (!this.options.accepts(candidate)) {
      this.options.warn(`Secret ${this.options.secretId} does not hold ${this.options.expected}; it is treated as not configured`);
      return null;
    }
    return candidate;
  }
}

/** A fixed value (`denyscope local` options, tests), or none. */
export class StaticSecret implements SecretValueProvider {
  constructor(private readonly secret: string | null) {}

  value(): Promise<string | null> {
    return Promise.resolve(this.secret);
  }
}

/** Slack bot tokens start with xoxb- (Slack "Token types"). */
export function isSlackBotToken(value: string): boolean {
  return /^xoxb-[A-Za-z0-9-]+$/.test(value);
}

/** A PagerDuty Events API v2 routing key is the 32-character integration key of a service's integration. */
export function isPagerDutyRoutingKey(value: string): boolean {
  return /^[A-Za-z0-9]{32}$/.test(value);
}

/** The Slack app's bot token secret, as the Lambda and the CLI read it. */
export function slackBotTokenSecret(
  secrets: SecretsManagerClient,
  secretId: string,
  warn: (message: string) => void,
): SecretsManagerSecret {
  return new SecretsManagerSecret(secrets, { secretId, expected: 'a Slack bot token (xoxb-...)', accepts: isSlackBotToken, warn });
}

/** The PagerDuty routing key secret, as the Lambda and the CLI read it. */
export function pagerDutyRoutingKeySecret(
  secrets: SecretsManagerClient,
  secretId: string,
  warn: (message: string) => void,
): SecretsManagerSecret {
  return new SecretsManagerSecret(secrets, {
    secretId,
    expected: 'a PagerDuty routing key (32 characters)',
    accepts: isPagerDutyRoutingKey,
    warn,
  });
}
