import { alertKey } from '../incidents/identity';
import type { Incident } from '../incidents/model';
import type { Severity } from '../incidents/severity';
import { alertFacts } from './alert-facts';
import { cutWithEllipsis, escapeSingleLine } from './escape';

/** PagerDuty Events API v2 limits: summary at most 1024 characters, dedup_key at most 255. */
export const PAGERDUTY_LIMITS = { summary: 1_024, dedupKey: 255 } as const;

export type PagerDutyAction = 'trigger' | 'acknowledge' | 'resolve';
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** An Events API v2 event without its routing key (a secret, added by the adapter that sends it). */
export interface PagerDutyEvent {
  readonly event_action: PagerDutyAction;
  readonly dedup_key: string;
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: PagerDutySeverity;
    readonly timestamp?: string;
    readonly component?: string;
    readonly group: string;
    readonly class: string;
    readonly custom_details: Record<string, string | number | null>;
  };
  readonly links?: readonly { readonly href: string; readonly text: string }[];
}

const PAGERDUTY_SEVERITY: Readonly<Record<Severity, PagerDutySeverity>> = { high: 'critical', medium: 'error', low: 'warning' };

/**
 * The incident as a PagerDuty event: the dedup key is the incident id, so every trigger of the incident folds into
 * one PagerDuty alert and `resolve` closes it. Text fields are single lines (escapeSingleLine): PagerDuty shows them
 * as plain text. A trigger carries the payload; acknowledge and resolve need only the dedup key.
 */
export function renderPagerDutyEvent(incident: Incident, action: PagerDutyAction): PagerDutyEvent {
  const dedupKey = incident.id.slice(0, PAGERDUTY_LIMITS.dedupKey);
  if (action !== 'trigger') return { event_action: action, dedup_key: dedupKey };
  const facts = alertFacts(incident);
  const text = (value: string): string => escapeSingleLine(value);
  return {
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: cutWithEllipsis(
        text(`[denyscope] ${incident.action} denied on ${facts.target}: ${facts.causeLabel} (${incident.principal})`),
        PAGERDUTY_LIMITS.summary,
      ),
      source: text(incident.resource ?? `account ${incident.accountId} ${incident.region}`),
      severity: PAGERDUTY_SEVERITY[facts.severity],
      ...(Number.isNaN(Date.parse(incident.lastSeen)) ? {} : { timestamp: new Date(incident.lastSeen).toISOString() }),
      ...(incident.tableName ? { component: text(incident.tableName) } : {}),
      group: text(incident.accountId),
      class: text(incident.cause),
      custom_details: {
        principal: text(incident.principal),
        action: text(incident.action),
        resource: incident.resource === null ? null : text(incident.resource),
        cause: text(`${facts.causeLabel} (${incident.denial} deny)`),
        policy: incident.policyArn === null ? null : text(incident.policyArn),
        occurrences: incident.count,
        firstSeen: text(incident.firstSeen),
        lastSeen: text(incident.lastSeen),
        whatToDo: text(incident.diagnosis.remediation.summary),
        details: text(facts.showCommand),
        alertKey: text(alertKey(incident)),
      },
    },
    ...(facts.cloudTrailUrl === null ? {} : { links: [{ href: facts.cloudTrailUrl, text: 'CloudTrail event history' }] }),
  };
}
