import type { Incident } from './model';

/** What a denial was denied on, as headlines say it: the table name, else the resource, else the account. */
export function incidentTarget(incident: Pick<Incident, 'tableName' | 'resource' | 'accountId'>): string {
  return incident.tableName ?? incident.resource ?? `account ${incident.accountId}`;
}
