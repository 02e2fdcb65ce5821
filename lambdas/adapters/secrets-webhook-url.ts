import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { WebhookUrlProvider } from '../../core/incidents/ports';
import { SecretsManagerSecret } from './secret-value';

export interface SecretsWebhookUrlOptions {
  readonly secretId: string;
  /** Called when the secret holds something that is not an http(s) URL (the value itself is never passed). */
  readonly warn: (message: string) => void;
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/** The Slack webhook URL from Secrets Manager (cached; see SecretsManagerSecret). A non-URL means "Slack not configured". */
export class SecretsManagerWebhookUrlProvider implements WebhookUrlProvider {
  private readonly secret: SecretsManagerSecret;

  constructor(secrets: SecretsManagerClient, options: SecretsWebhookUrlOptions) {
    this.secret = new SecretsManagerSecret(secrets, { ...options, expected: 'an http(s) URL', accepts: isHttpUrl });
  }

  webhookUrl(): Promise<string | null> {
    return this.secret.value();
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
