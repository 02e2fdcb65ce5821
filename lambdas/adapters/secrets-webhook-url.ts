import { GetSecretValueCommand, ResourceNotFoundException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { WebhookUrlProvider } from '../../core/incidents/ports';

export interface SecretsWebhookUrlOptions {
  readonly secretId: string;
  /** Called when the secret holds something that is not an http(s) URL (the value itself is never passed). */
  readonly warn: (message: string) => void;
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/**
 * The Slack webhook URL from Secrets Manager, cached so a batch costs at most one GetSecretValue
 * and a rotated secret is picked up within `cacheMs`. No value yet (the stack creates the secret empty),
 * an empty string or a non-URL means "Slack not configured". The value is never logged.
 */
export class SecretsManagerWebhookUrlProvider implements WebhookUrlProvider {
  private cached: { value: Promise<string | null>; until: number } | null = null;
  private readonly now: () => number;

  constructor(
    private readonly secrets: SecretsManagerClient,
    private readonly options: SecretsWebhookUrlOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  webhookUrl(): Promise<string | null> {
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
    if (!isHttpUrl(candidate)) {
      this.options.warn(`Secret ${this.options.secretId} does not hold an http(s) URL; Slack alerts are skipped`);
      return null;
    }
    return candidate;
  }
}

/** A fixed URL (`denyscope local --slack-webhook`, tests), or none. */
export class StaticWebhookUrlProvider implements WebhookUrlProvider {
  constructor(private readonly url: string | null) {}

  webhookUrl(): Promise<string | null> {
    return Promise.resolve(this.url);
  }
}

export function isHttpUrl(value: string): boolean {
  try {
    const protocol = new URL(value).protocol;
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
