import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerWebhookUrlProvider } from '../../../lambdas/adapters/secrets-webhook-url';

const secrets = mockClient(SecretsManagerClient);
const SECRET_URL = 'https://hooks.slack.com/services/T000/B000/xoxSecretWebhookToken';

afterEach(() => secrets.reset());
afterAll(() => secrets.restore());

function provider(now: () => number = () => 0) {
  const warnings: string[] = [];
  const urls = new SecretsManagerWebhookUrlProvider(new SecretsManagerClient({ region: 'eu-west-1' }), {
    secretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:slack',
    warn: (message) => warnings.push(message),
    cacheMs: 1_000,
    now,
  });
  return { urls, warnings };
}

describe('SecretsManagerWebhookUrlProvider (aws-sdk-client-mock)', () => {
  it('reads the URL once and serves it from the cache until it expires', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: ` ${SECRET_URL}\n` });
    let time = 0;
    const { urls } = provider(() => time);
    expect(await urls.webhookUrl()).toBe(SECRET_URL);
    expect(await urls.webhookUrl()).toBe(SECRET_URL);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    time = 1_001;
    await urls.webhookUrl();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('means "not configured" when the secret has no value yet or an empty one', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: "can't find the specified secret value", $metadata: {} }));
    let time = 0;
    const { urls } = provider(() => time);
    expect(await urls.webhookUrl()).toBeNull();
    time = 2_000;
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '   ' });
    expect(await urls.webhookUrl()).toBeNull();
  });

  it('skips a value that is not a URL with a warning that does not quote it', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'xoxb-not-a-webhook-secret' });
    const { urls, warnings } = provider();
    expect(await urls.webhookUrl()).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('xoxb-not-a-webhook-secret');
  });

  it('does not cache a failed read: the next message tries again', async () => {
    secrets.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: SECRET_URL });
    const { urls } = provider();
    await expect(urls.webhookUrl()).rejects.toThrow('throttled');
    expect(await urls.webhookUrl()).toBe(SECRET_URL);
  });
});
