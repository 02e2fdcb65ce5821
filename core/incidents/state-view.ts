import type { Incident } from './model';

/**
 * The lifecycle fields of issue 14 (state, who acknowledged, when it was resolved) as the renderers and the digest
 * read them. Incidents stored before states have none of them and read as open.
 */
export interface IncidentStateView {
  readonly state: 'open' | 'acknowledged' | 'resolved';
  readonly acknowledgedBy: string | null;
  readonly acknowledgedAt: string | null;
  readonly resolvedAt: string | null;
}

type WithLifecycle = Incident & {
  readonly state?: string;
  readonly acknowledgedBy?: string | null;
  readonly acknowledgedAt?: string | null;
  readonly resolvedAt?: string | null;
};

export function incidentStateView(incident: Incident): IncidentStateView {
  const fields = incident as WithLifecycle;
  const state = fields.state === 'acknowledged' || fields.state === 'resolved' ? fields.state : 'open';
  return {
    state,
    acknowledgedBy: fields.acknowledgedBy ?? null,
    acknowledgedAt: fields.acknowledgedAt ?? null,
    resolvedAt: fields.resolvedAt ?? null,
  };
}
