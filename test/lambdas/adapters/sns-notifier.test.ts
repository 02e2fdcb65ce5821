import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { SnsNotifier } from '../../../lambdas/adapters/sns-notifier';
import { startFauxqs, type LocalSnsSqs } from '../../support/fauxqs';
import { diagnosisOf, incidentOf } from '../../support/incidents';

let fauxqs: LocalSnsSqs;

beforeAll(async () => {
  fauxqs = await startFauxqs();
});

afterAll(async () => {
  await fauxqs?.stop();
});

interface SnsEnvelope {
  Subject: string;
  Message: string;
  MessageAttributes: Record<string, { Type: string; Value: string }>;
}

describe('SnsNotifier against fauxqs (SNS→SQS)', () => {
  it('publishes one message with the email text, the incident JSON and the filter attributes', async () => {
    const { topicArn, queueUrl } = await fauxqs.createSubscribedTopic('alerts-structure');
    const incident = incidentOf(diagnosisOf());
    const result = await new SnsNotifier(fauxqs.sns, topicArn).notify(incident);
    expect(result.status).toBe('sent');

    const messages = await fauxqs.drain(queueUrl, 1);
    expect(messages).toHaveLength(1);
    const envelope = JSON.parse(messages[0].Body ?? '{}') as SnsEnvelope;
    expect(envelope.Subject).toBe('[denyscope] dynamodb:PutItem denied on Orders: service control policy');
    // fauxqs forwards the whole MessageStructure=json document; real SNS would pick the protocol's key.
    const structured = JSON.parse(envelope.Message) as { default: string; email: string };
    expect(structured.email).toContain(`Incident: ${incident.id}`);
    expect(JSON.parse(structured.default)).toMatchObject({ type: 'denyscope.incident.alert', incident: { id: incident.id, count: 1 } });
    expect(envelope.MessageAttributes).toEqual({
      cause: { Type: 'String', Value: 'service-control-policy' },
      severity: { Type: 'String', Value: 'high' },
      accountId: { Type: 'String', Value: '111122223333' },
      alertKey: { Type: 'String', Value: `${incident.id}#1` },
      tableName: { Type: 'String', Value: 'Orders' },
    });
  });

  it('publishes to a topic without subscribers', async () => {
    const { TopicArn } = await fauxqs.sns.send(new CreateTopicCommand({ Name: 'alerts-lonely' }));
    expect((await new SnsNotifier(fauxqs.sns, TopicArn ?? '').notify(incidentOf(diagnosisOf()))).status).toBe('sent');
  });

  it('reports a failed publish (unknown topic) as failed, with the SDK error name', async () => {
    const result = await new SnsNotifier(fauxqs.sns, 'arn:aws:sns:us-east-1:000000000000:missing').notify(incidentOf(diagnosisOf()));
    expect(result.status).toBe('failed');
    expect(result.detail).toMatch(/NotFound/);
  });
});

describe('SnsNotifier with attacker-chosen values', () => {
  it('delivers printable attributes and a message without raw invisible characters', async () => {
    const { topicArn, queueUrl } = await fauxqs.createSubscribedTopic('alerts-hostile');
    const trojan = '\u202Eevil\u2066\u0007\u001b[2J\u0085';
    const incident = incidentOf(diagnosisOf({ accountId: `111122223333${trojan}`, tableName: `Orders${trojan}` }));
    expect((await new SnsNotifier(fauxqs.sns, topicArn).notify(incident)).status).toBe('sent');
    const [delivered] = await fauxqs.drain(queueUrl, 1);
    const envelope = JSON.parse(delivered.Body ?? '{}') as SnsEnvelope;
    expect(envelope.MessageAttributes.tableName).toEqual({ Type: 'String', Value: 'Orders\\u202Eevil\\u2066\\u0007\\u001B[2J\\u0085' });
    for (const attribute of Object.values(envelope.MessageAttributes)) expect(attribute.Value).toMatch(/^[\x20-\x7e]+$/);
    expect(envelope.Message).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
  });
});
