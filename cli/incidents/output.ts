import type { Incident, Occurrence } from '../../core/incidents/model';
import { escapeSingleLine } from '../../core/render/escape';
import { renderDiagnosisText } from '../render/diagnosis-text';
import type { Style } from '../render/style';
import { renderTable, type Column } from '../render/table';

/** `incidents list --json`: one entry per incident, exactly these fields. */
export interface IncidentSummary {
  readonly id: string;
  readonly cause: Incident['cause'];
  readonly denial: Incident['denial'];
  readonly principal: string;
  readonly action: string;
  readonly resource: string | null;
  readonly tableName: string | null;
  readonly accountId: string;
  readonly region: string;
  readonly count: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** True once an alert about this incident was delivered on at least one channel. */
  readonly alerted: boolean;
  readonly state: Incident['state'];
  readonly acknowledgedBy: string | null;
  readonly acknowledgedAt: string | null;
  readonly resolvedAt: string | null;
  /** The mute that matched the latest occurrence, else null. */
  readonly mutedBy: string | null;
}

export function summarize(incident: Incident): IncidentSummary {
  return {
    id: incident.id,
    cause: incident.cause,
    denial: incident.denial,
    principal: incident.principal,
    action: incident.action,
    resource: incident.resource,
    tableName: incident.tableName,
    accountId: incident.accountId,
    region: incident.region,
    count: incident.count,
    firstSeen: incident.firstSeen,
    lastSeen: incident.lastSeen,
    alerted: isAlerted(incident),
    state: incident.state,
    acknowledgedBy: incident.acknowledgedBy,
    acknowledgedAt: incident.acknowledgedAt,
    resolvedAt: incident.resolvedAt,
    mutedBy: incident.mutedBy,
  };
}

export function isAlerted(incident: Incident): boolean {
  return Object.values(incident.alert?.channels ?? {}).some((delivery) => delivery?.status === 'sent');
}

// The principal goes last: on a narrow terminal the last column is the one cut.
const LIST_COLUMNS: readonly Column[] = [
  { header: 'LAST SEEN' },
  { header: 'ID' },
  { header: 'STATE' },
  { header: 'CAUSE' },
  { header: 'COUNT', align: 'right' },
  { header: 'ACTION' },
  { header: 'RESOURCE' },
  { header: 'PRINCIPAL' },
];

export function renderList(incidents: readonly Incident[], width: number | undefined, storeDescription: string, style: Style): string {
  if (incidents.length === 0) return `no incidents match in ${escapeSingleLine(storeDescription)}\n`;
  const rows = incidents.map((incident) => [
    shortTime(incident.lastSeen),
    incident.id,
    incident.mutedBy === null ? incident.state : `${incident.state} (muted)`,
    incident.cause,
    String(incident.count),
    incident.action,
    incident.tableName ?? incident.resource ?? '-',
    incident.principal,
  ]);
  return lines(renderTable(LIST_COLUMNS, rows, style, width));
}

/** `incidents show --json`: the stored incident (diagnosis and remediation included) and its recent occurrences. */
export function detailJson(incident: Incident, occurrences: readonly Occurrence[]): Record<string, unknown> {
  return {
    incident: {
      ...summarize(incident),
      policyType: incident.policyType,
      policyArn: incident.policyArn,
      resolvedBy: incident.resolvedBy,
      stateNote: incident.stateNote,
      countAtLastAlert: incident.countAtLastAlert,
      lastEventId: incident.lastEventId,
      alert: incident.alert,
      enrichment: incident.enrichment,
      diagnosis: incident.diagnosis,
    },
    occurrences: occurrences.map(({ eventId, eventTime, principalArn, recordedAt }) => ({ eventId, eventTime, principalArn, recordedAt })),
  };
}

const OCCURRENCE_COLUMNS: readonly Column[] = [{ header: 'EVENT TIME' }, { header: 'EVENT ID' }, { header: 'CALLER' }];

export function renderOccurrences(occurrences: readonly Occurrence[], width: number | undefined, style: Style): string {
  if (occurrences.length === 0) return '  (none kept: occurrences expire after the retention period)\n';
  const rows = occurrences.map((occurrence) => [shortTime(occurrence.eventTime), occurrence.eventId, occurrence.principalArn ?? '-']);
  return lines(renderTable(OCCURRENCE_COLUMNS, rows, style, width));
}

export interface Tally {
  incidents: number;
  /** Occurrences of those incidents over their lifetime (an incident's count is not split by period). */
  occurrences: number;
}

export interface IncidentStats {
  readonly since: string | null;
  readonly until: string | null;
  readonly incidents: number;
  readonly occurrences: number;
  readonly byCause: Record<string, Tally>;
  readonly byPrincipal: Record<string, Tally>;
  readonly byTable: Record<string, Tally>;
}

/** Counts by cause, principal and table, each sorted by incidents then occurrences, largest first. */
export function computeStats(incidents: readonly Incident[], since: string | null, until: string | null): IncidentStats {
  const tally = (key: (incident: Incident) => string | null): Record<string, Tally> => {
    const counts = new Map<string, Tally>();
    for (const incident of incidents) {
      const name = key(incident);
      if (name === null) continue;
      const entry = counts.get(name) ?? { incidents: 0, occurrences: 0 };
      entry.incidents += 1;
      entry.occurrences += incident.count;
      counts.set(name, entry);
    }
    const sorted = [...counts].sort(
      ([nameA, a], [nameB, b]) => b.incidents - a.incidents || b.occurrences - a.occurrences || nameA.localeCompare(nameB),
    );
    return Object.fromEntries(sorted);
  };
  return {
    since,
    until,
    incidents: incidents.length,
    occurrences: incidents.reduce((sum, incident) => sum + incident.count, 0),
    byCause: tally((incident) => incident.cause),
    byPrincipal: tally((incident) => incident.principal),
    byTable: tally((incident) => incident.tableName),
  };
}

export function renderStats(stats: IncidentStats, width: number | undefined, storeDescription: string, style: Style): string {
  const period = `${stats.since === null ? 'all time' : `since ${stats.since}`}${stats.until === null ? '' : ` until ${stats.until}`}`;
  const header = `${stats.incidents} incidents, ${stats.occurrences} occurrences (${period}) in ${escapeSingleLine(storeDescription)}\n`;
  const section = (title: string, counts: Record<string, Tally>) => {
    const rows = Object.entries(counts).map(([name, tally]) => [String(tally.incidents), String(tally.occurrences), name]);
    if (rows.length === 0) return '';
    const columns: Column[] = [{ header: 'INCIDENTS', align: 'right' }, { header: 'OCCURRENCES', align: 'right' }, { header: title }];
    return `\n${lines(renderTable(columns, rows, style, width))}`;
  };
  return header + section('CAUSE', stats.byCause) + section('PRINCIPAL', stats.byPrincipal) + section('TABLE', stats.byTable);
}

function lines(rendered: readonly string[]): string {
  return rendered.map((line) => `${line}\n`).join('');
}

/** 2026-11-20T09:15:00.000Z → 2026-11-20 09:15:00Z: readable, still UTC and sortable. */
function shortTime(iso: string): string {
  return escapeSingleLine(iso)
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** `incidents show`: the incident's history, then its latest diagnosis as `explain` prints it, then the occurrences. */
export function renderIncident(incident: Incident, occurrences: readonly Occurrence[], width: number | undefined, style: Style): string {
  const channels = Object.entries(incident.alert?.channels ?? {})
    .map(
      ([channel, delivery]) =>
        `${channel} ${delivery?.status ?? 'pending'}${delivery?.detail === undefined ? '' : ` (${delivery.detail})`}`,
    )
    .join(', ');
  const alert = incident.alert === null ? 'none' : `${shortTime(incident.alert.claimedAt)} (${channels === '' ? 'no channels' : channels})`;
  const lines = [
    `${style.bold(`Incident ${escapeSingleLine(incident.id)}`)}: ${incident.count} occurrence${incident.count === 1 ? '' : 's'}, first seen ${shortTime(incident.firstSeen)}, last seen ${shortTime(incident.lastSeen)}`,
    `Account ${escapeSingleLine(incident.accountId)}, region ${escapeSingleLine(incident.region)}`,
    `Last alert: ${escapeSingleLine(alert)}${incident.alert?.reopenedFrom ? ` (reopened: it had been resolved at ${shortTime(incident.alert.reopenedFrom)})` : ''}`,
    `State: ${escapeSingleLine(describeState(incident))}`,
    ...(incident.mutedBy === null ? [] : [`Muted: the latest occurrence matched mute ${escapeSingleLine(incident.mutedBy)}`]),
  ].map((line) => `${line}\n`);
  return `${lines.join('')}\n${renderDiagnosisText(incident.diagnosis, style, { evaluationFirst: true })}\n${style.bold('Recent occurrences')}\n${renderOccurrences(occurrences, width, style)}`;
}

/** "acknowledged by ARN at TIME: note", "resolved by ... at ...", "open". */
function describeState(incident: Incident): string {
  const note = incident.stateNote === null ? '' : `: ${incident.stateNote}`;
  if (incident.state === 'acknowledged') {
    return `acknowledged by ${incident.acknowledgedBy ?? 'unknown'} at ${shortTime(incident.acknowledgedAt ?? '')}${note}`;
  }
  if (incident.state === 'resolved')
    return `resolved by ${incident.resolvedBy ?? 'unknown'} at ${shortTime(incident.resolvedAt ?? '')}${note}`;
  return `open${note}`;
}
