import { renderSnsAlert } from '../../../core/render/sns-message';
import { diagnosisOf, incidentOf, poisonedIncident } from '../../support/incidents';

describe('renderSnsAlert', () => {
  it('sends the email text and the incident JSON with filterable attributes', () => {
    const incident = incidentOf(diagnosisOf());
    const alert = renderSnsAlert(incident);
    expect(alert.MessageStructure).toBe('json');
    const message = JSON.parse(alert.Message) as { default: string; email: string };
    expect(message.email).toContain(`Incident: ${incident.id}`);
    // The alert's idempotency key: incident id and alert sequence (incidentOf's alert is the first).
    expect(JSON.parse(message.default)).toEqual({
      type: 'denyscope.incident.alert',
      severity: 'high',
      alertKey: `${incident.id}#1`,
      incident,
    });
    expect(alert.MessageAttributes).toEqual({
      cause: { DataType: 'String', StringValue: 'service-control-policy' },
      severity: { DataType: 'String', StringValue: 'high' },
      accountId: { DataType: 'String', StringValue: '111122223333' },
      alertKey: { DataType: 'String', StringValue: `${incident.id}#1` },
      tableName: { DataType: 'String', StringValue: 'Orders' },
    });
  });

  it('omits tableName when the incident names no table (SNS rejects empty values)', () => {
    const incident = incidentOf({ ...diagnosisOf(), tableName: null }, { tableName: null });
    expect(renderSnsAlert(incident).MessageAttributes).not.toHaveProperty('tableName');
  });

  it('keeps the subject printable ASCII, as SNS requires', () => {
    expect(renderSnsAlert(poisonedIncident()).Subject).toMatch(/^[\x20-\x7e]{1,100}$/);
  });
});

describe('renderSnsAlert with invisible characters in event values', () => {
  const trojan = '\u202Eevil\u2066\u2028\u0085\u0007\u001b[2J\n';
  const incident = incidentOf(diagnosisOf({ accountId: `111122223333${trojan}`, tableName: `Orders${trojan}` }));
  const alert = renderSnsAlert(incident);

  it('carries printable text only in the message attributes, the values shown escaped', () => {
    for (const attribute of Object.values(alert.MessageAttributes)) expect(attribute.StringValue).toMatch(/^[\x20-\x7e]+$/);
    expect(alert.MessageAttributes.tableName).toEqual({
      DataType: 'String',
      StringValue: 'Orders\\u202Eevil\\u2066\\u2028\\u0085\\u0007\\u001B[2J\\n',
    });
  });

  it('writes no raw invisible character into the message, and the machine JSON keeps the values intact', () => {
    expect(alert.Message).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
    const message = JSON.parse(alert.Message) as { default: string; email: string };
    expect(message.default).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
    expect((JSON.parse(message.default) as { incident: { tableName: string } }).incident.tableName).toBe(`Orders${trojan}`);
  });
});
