import { alertKey } from '../../../core/incidents/identity';
import { renderAlertText } from '../../../core/render/alert-text';
import { renderSlackMessage } from '../../../core/render/slack-message';
import { renderSnsAlert } from '../../../core/render/sns-message';
import { diagnosisOf, incidentOf } from '../../support/incidents';

describe('the alert idempotency key', () => {
  const diagnosis = diagnosisOf();
  const first = incidentOf(diagnosis);
  const third = incidentOf(diagnosis, {
    alert: {
      eventId: diagnosis.eventId,
      sequence: 3,
      claimedAt: '2026-11-20T12:00:00.000Z',
      occurrencesSincePreviousAlert: 4,
      reopenedFrom: null,
      channels: {},
    },
  });

  it('is the incident id and the alert sequence number, the same for every delivery of one alert', () => {
    expect(alertKey(third)).toBe(`${third.id}#3`);
    expect(alertKey(first)).toBe(`${first.id}#1`);
    expect(alertKey({ ...first, alert: null })).toBe(first.id);
  });

  it('is in every channel: the e-mail and terminal text, the Slack message, the SNS JSON and a message attribute', () => {
    const key = `${third.id}#3`;
    expect(renderAlertText(third).body).toContain(`Alert:    ${key}`);
    expect(JSON.stringify(renderSlackMessage(third).blocks)).toContain(`Alert \`${key}\``);
    const sns = renderSnsAlert(third);
    expect(sns.MessageAttributes.alertKey).toEqual({ DataType: 'String', StringValue: key });
    const machine = JSON.parse((JSON.parse(sns.Message) as { default: string }).default) as {
      alertKey: string;
      incident: { alert: { sequence: number } };
    };
    expect(machine.alertKey).toBe(key);
    expect(machine.incident.alert.sequence).toBe(3);
  });
});
