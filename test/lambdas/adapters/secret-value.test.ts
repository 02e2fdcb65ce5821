import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { isPagerDutyRoutingKey, isSlackBotToken, SecretsManagerSecret } from '../../../lambdas/adapters/secret-value';

const secrets = mockClient(SecretsManagerClient);

afterEach(() => secrets.reset());
afterAll(() => secrets.restore());

function botToken() {
  const warnings: string[] = [];
  const secret = new SecretsManagerSecret(new SecretsManagerClient({ region: 'eu-west-1' }), {
    secretId: 'denyscope/slack-bot',
    expected: 'a Slack bot token (xoxb-...)',
    accepts: isSlackBotToken,
    warn: (message) => warnings.push(message),
  });
  return { secret, warnings };
}

describe('SecretsManagerSecret for the bot token and the routing key (aws-sdk-client-mock)', () => {
  it('reads a bot token, trimmed', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: ' xoxb-1111-2222-abcDEF\n' });
    expect(await botToken().secret.value()).toBe('xoxb-1111-2222-abcDEF');
  });

  it('treats a value of the wrong kind as not configured, warning without quoting it', async () => {
    // A webhook URL pasted into the bot token's secret: a common mix-up.
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'https://hooks.slack.com/services/T/B/secretPart' });
    const { secret, warnings } = botToken();
    expect(await secret.value()).toBeNull();
    expect(warnings).toEqual(['Secret denyscope/slack-bot does not hold a Slack bot token (xoxb-...); it is treated as not configured']);
  });

  it.each([
    ['xoxb-1111-2222-abc', true],
    ['xoxp-1111-2222-abc', false],
    ['xoxb-with space', false],
  ])('isSlackBotToken(%j) is %s', (value, expected) => {
    expect(isSlackBotToken(value)).toBe(expected);
  });

  it.each([
    ['R0UT1NGKEYSTANDIN0000000000000AB', true],
    ['R0UT1NGKEY', false],
    ['R0UT1NGKEYSTANDIN0000000000000A-', false],
  ])('isPagerDutyRoutingKey(%j) is %s', (value, expected) => {
    expect(isPagerDutyRoutingKey(value)).toBe(expected);
  });
});
