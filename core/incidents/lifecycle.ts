import type { Incident, IncidentState } from './model';

/** What a person does to an incident (`denyscope incidents ack|resolve|reopen`). */
export type StateCommand = 'ack' | 'resolve' | 'reopen';

/** The states each command applies to; any other transition is refused. */
const APPLIES_TO: Readonly<Record<StateCommand, readonly IncidentState[]>> = {
  ack: ['open'],
  resolve: ['open', 'acknowledged'],
  reopen: ['resolved', 'acknowledged'],
};

/** The lifecycle fields of an incident after a change. */
export type StateFields = Pick<Incident, 'state' | 'acknowledgedBy' | 'acknowledgedAt' | 'resolvedAt' | 'resolvedBy' | 'stateNote'>;

/** A change of state, to be written only if the incident is still in `from` (the state it was read in). */
export interface StateChange {
  readonly from: IncidentState;
  readonly to: StateFields;
}

export type StateChangeResult = { readonly ok: true; readonly change: StateChange } | { readonly ok: false; readonly problem: string };

/** The change `command` makes to the incident as read, by `actor` at `now`, or why it does not apply. */
export function stateChange(command: StateCommand, incident: Incident, actor: string, note: string | null, now: Date): StateChangeResult {
  if (!APPLIES_TO[command].includes(incident.state)) {
    return {
      ok: false,
      problem: `incident ${incident.id} is ${incident.state}: \`${command}\` applies to ${APPLIES_TO[command].join(' or ')} incidents; nothing changed`,
    };
  }
  const at = now.toISOString();
  const to: StateFields =
    command === 'ack'
      ? { ...OPEN_FIELDS, state: 'acknowledged', acknowledgedBy: actor, acknowledgedAt: at, stateNote: note }
      : command === 'resolve'
        ? { ...OPEN_FIELDS, state: 'resolved', resolvedAt: at, resolvedBy: actor, stateNote: note }
        : { ...OPEN_FIELDS, stateNote: note };
  return { ok: true, change: { from: incident.state, to } };
}

/** An open incident: no one has acknowledged or resolved it since it (re)opened. */
export const OPEN_FIELDS: StateFields = {
  state: 'open',
  acknowledgedBy: null,
  acknowledgedAt: null,
  resolvedAt: null,
  resolvedBy: null,
  stateNote: null,
};

/** Who resolves an incident that had no occurrence for autoResolveDays. */
export const AUTO_RESOLVER = 'denyscope (no occurrence for autoResolveDays)';
