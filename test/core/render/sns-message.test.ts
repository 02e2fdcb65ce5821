import { renderSnsAlert } from '../../../core/render/sns-message';
import { diagnosisOf, incidentOf, poisonedIncident } from '../../support/incidents';

describe('renderSnsAlert', () => {
  it('sends the email text and the incident JSON with filterable attributes', () => {
    const incident = incidentOf(diagnosisOf());
    const alert = renderSnsAlert(incident);
    expect(alert.MessageStructure).toBe('json');
    const message = JSON.parse(alert.Message) as { default: string; email: string };
    expect(message.email).toContain(`Incident: ${incident.id}`);
    expect(JSON.parse(message.default)).toEqual({ type: 'denyscope.incident.alert', severity: 'high', incident });
    expect(alert.MessageAttributes).toEqual({
      cause: { DataType: 'String', StringValue: 'service-control-policy' },
      severity: { DataType: 'String', StringValue: 'high' },
      accountId: { DataType: 'String', StringValue: '111122223333' },
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
