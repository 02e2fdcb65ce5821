/**
 * The incidents table's key design, shared by the CDK construct that creates the table, the store
 * adapter that writes it and the query adapter that reads it. One place, so the three cannot drift.
 *
 * Items (single table):
 * - incident:   pk = INCIDENT#<incidentId>, sk = META
 * - occurrence: pk = INCIDENT#<incidentId>, sk = OCC#<eventTime ISO>#<occurrenceKeyFor: sharedEventID, else eventID>
 * - mute:       pk = MUTE, sk = MUTE#<muteId>   (one partition: a handful of rules, read in one Query; TTL at its end)
 * Only incident items carry the GSI key attributes, so every index is sparse and holds incidents only.
 * All indexes sort by `lastSeen` (ISO 8601 UTC string), newest first with ScanIndexForward=false.
 */
export const INCIDENTS_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;
export const TTL_ATTRIBUTE = 'expiresAt';
export const LAST_SEEN_ATTRIBUTE = 'lastSeen';

export const INCIDENT_SORT_KEY = 'META';
export const incidentPk = (incidentId: string): string => `INCIDENT#${incidentId}`;
export const occurrenceSk = (eventTime: string, eventId: string): string => `OCC#${eventTime}#${eventId}`;
export const OCCURRENCE_SK_PREFIX = 'OCC#';
export const MUTE_PK = 'MUTE';
export const muteSk = (muteId: string): string => `MUTE#${muteId}`;

/**
 * Recent incidents in a time range: partitioned by the month of lastSeen (YYYY-MM) so that one busy
 * incident's updates never pile onto a single index partition forever, and a time range is a handful of Queries.
 */
export const GSI_BY_TIME = { indexName: 'byTime', partitionKey: 'gsiMonth', sortKey: LAST_SEEN_ATTRIBUTE } as const;
export const GSI_BY_CAUSE = { indexName: 'byCause', partitionKey: 'gsiCause', sortKey: LAST_SEEN_ATTRIBUTE } as const;
export const GSI_BY_PRINCIPAL = { indexName: 'byPrincipal', partitionKey: 'gsiPrincipal', sortKey: LAST_SEEN_ATTRIBUTE } as const;
/** Sparse: only incidents that name a DynamoDB table. */
export const GSI_BY_TABLE = { indexName: 'byTable', partitionKey: 'gsiTable', sortKey: LAST_SEEN_ATTRIBUTE } as const;

export const INCIDENT_INDEXES = [GSI_BY_TIME, GSI_BY_CAUSE, GSI_BY_PRINCIPAL, GSI_BY_TABLE] as const;

/** The YYYY-MM bucket of an ISO timestamp, for GSI_BY_TIME. */
export const monthBucket = (isoTime: string): string => isoTime.slice(0, 7);
