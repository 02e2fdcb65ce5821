import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { CAUSES } from '../../core/diagnosis/types';
import type { Incident } from '../../core/incidents/model';
import type { IncidentDetail, IncidentFilters, IncidentReader } from '../../core/incidents/ports';
import {
  GSI_BY_CAUSE,
  GSI_BY_PRINCIPAL,
  GSI_BY_TABLE,
  GSI_BY_TIME,
  INCIDENT_SORT_KEY,
  INCIDENTS_TABLE_KEYS,
  LAST_SEEN_ATTRIBUTE,
  OCCURRENCE_SK_PREFIX,
  incidentPk,
  monthBucket,
} from '../../core/incidents/schema';
import { incidentFromItem, occurrenceFromItem } from './dynamodb-incident-store';

/**
 * The read side of the incidents table: Query only, never Scan, so its cost follows the answer's
 * size, not the table's. Filters pick the index; the rest become FilterExpressions.
 */
export class DynamoDbIncidentReader implements IncidentReader {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Index choice: a principal, table or cause filter names one index partition (in that order: the most
   * selective first). Otherwise a period of a few months walks the byTime month buckets newest first,
   * stopping once `limit` is reached; an open or longer period fans out over the byCause partitions (one
   * per cause, together holding every incident), so no listing costs more than one Query per cause.
   * The period is always a key condition on lastSeen; account and the other filters are FilterExpressions.
   */
  async listIncidents(filters: IncidentFilters, limit: number, now: Date): Promise<Incident[]> {
    const partitioned = partitionFor(filters);
    if (partitioned !== null) return this.queryPartition(partitioned, filters, limit);
    const months = filters.since === null ? null : monthsNewestFirst(filters.since, filters.until ?? now.toISOString());
    if (months !== null && months.length <= CAUSES.length) {
      const incidents: Incident[] = [];
      for (const month of months) {
        const key = { indexName: GSI_BY_TIME.indexName, partitionKey: GSI_BY_TIME.partitionKey, value: month };
        incidents.push(...(await this.queryPartition(key, filters, limit - incidents.length)));
        if (incidents.length >= limit) break;
      }
      return incidents;
    }
    const perCause = await Promise.all(
      CAUSES.map((cause) =>
        this.queryPartition({ indexName: GSI_BY_CAUSE.indexName, partitionKey: GSI_BY_CAUSE.partitionKey, value: cause }, filters, limit),
      ),
    );
    return perCause.flat().sort(newestFirst).slice(0, limit);
  }

  /** The same index choice, without a limit. */
  allIncidents(filters: IncidentFilters, now: Date): Promise<Incident[]> {
    return this.listIncidents(filters, Number.POSITIVE_INFINITY, now);
  }

  /**
   * The partition holds the incident and its occurrences (sk META, OCC#time#id), and META sorts before
   * every OCC#, so one Query newest-first returns the recent occurrences and, when the incident has few,
   * META too; a busier incident needs a second Query for META alone.
   */
  async showIncident(incidentId: string, recentOccurrences: number): Promise<IncidentDetail | null> {
    const pk = incidentPk(incidentId);
    const page = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': INCIDENTS_TABLE_KEYS.partitionKey },
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: false,
        Limit: recentOccurrences + 1,
      }),
    );
    const items = page.Items ?? [];
    const isMeta = (item: Record<string, unknown>) => item[INCIDENTS_TABLE_KEYS.sortKey] === INCIDENT_SORT_KEY;
    const occurrences = items
      .filter((item) => String(item[INCIDENTS_TABLE_KEYS.sortKey]).startsWith(OCCURRENCE_SK_PREFIX))
      .slice(0, recentOccurrences)
      .map(occurrenceFromItem);
    let meta = items.find(isMeta);
    if (meta === undefined && page.LastEvaluatedKey !== undefined) {
      const metaPage = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk = :meta',
          ExpressionAttributeNames: { '#pk': INCIDENTS_TABLE_KEYS.partitionKey, '#sk': INCIDENTS_TABLE_KEYS.sortKey },
          ExpressionAttributeValues: { ':pk': pk, ':meta': INCIDENT_SORT_KEY },
        }),
      );
      meta = metaPage.Items?.[0];
    }
    return meta === undefined ? null : { incident: incidentFromItem(meta), occurrences };
  }

  /** A COUNT Query per byCause partition (every incident has a cause). */
  async countIncidents(): Promise<number> {
    const counts = await Promise.all(
      CAUSES.map(async (cause) => {
        let count = 0;
        let exclusiveStartKey: Record<string, unknown> | undefined;
        do {
          const page = await this.documents.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: GSI_BY_CAUSE.indexName,
              KeyConditionExpression: '#pk = :pk',
              ExpressionAttributeNames: { '#pk': GSI_BY_CAUSE.partitionKey },
              ExpressionAttributeValues: { ':pk': cause },
              Select: 'COUNT',
              ExclusiveStartKey: exclusiveStartKey,
            }),
          );
          count += page.Count ?? 0;
          exclusiveStartKey = page.LastEvaluatedKey;
        } while (exclusiveStartKey !== undefined);
        return count;
      }),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  private async queryPartition(key: IndexKey, filters: IncidentFilters, limit: number): Promise<Incident[]> {
    const input = queryInput(this.tableName, key, filters);
    const incidents: Incident[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const remaining = limit - incidents.length;
      const page = await this.documents.send(
        new QueryCommand({
          ...input,
          ExclusiveStartKey: exclusiveStartKey,
          // Limit counts items read before the filter: only exact when nothing is filtered out.
          ...(input.FilterExpression === undefined && Number.isFinite(remaining) ? { Limit: remaining } : {}),
        }),
      );
      incidents.push(...(page.Items ?? []).map(incidentFromItem));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined && incidents.length < limit);
    return incidents.slice(0, limit);
  }
}

type IndexKey = { readonly indexName: string; readonly partitionKey: string; readonly value: string };

function partitionFor(filters: IncidentFilters): IndexKey | null {
  if (filters.principal !== null) return { ...GSI_BY_PRINCIPAL, value: filters.principal };
  if (filters.tableName !== null) return { ...GSI_BY_TABLE, value: filters.tableName };
  if (filters.cause !== null) return { ...GSI_BY_CAUSE, value: filters.cause };
  return null;
}

/** The index key condition (partition, lastSeen range) plus a FilterExpression for every other filter. */
function queryInput(tableName: string, key: IndexKey, filters: IncidentFilters): QueryCommandInput {
  const names: Record<string, string> = { '#pk': key.partitionKey, '#lastSeen': LAST_SEEN_ATTRIBUTE };
  const values: Record<string, unknown> = { ':pk': key.value };
  let keyCondition = '#pk = :pk';
  if (filters.since !== null && filters.until !== null) {
    keyCondition += ' AND #lastSeen BETWEEN :since AND :until';
  } else if (filters.since !== null) {
    keyCondition += ' AND #lastSeen >= :since';
  } else if (filters.until !== null) {
    keyCondition += ' AND #lastSeen <= :until';
  } else {
    delete names['#lastSeen'];
  }
  if (filters.since !== null) values[':since'] = filters.since;
  if (filters.until !== null) values[':until'] = filters.until;

  const conditions: string[] = [];
  const addFilter = (attribute: string, value: string | null) => {
    if (value === null || key.partitionKey === GSI_ATTRIBUTE_OF[attribute]) return;
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = value;
    conditions.push(`#${attribute} = :${attribute}`);
  };
  addFilter('cause', filters.cause);
  addFilter('principal', filters.principal);
  addFilter('tableName', filters.tableName);
  addFilter('accountId', filters.accountId);
  if (filters.state !== null) {
    names['#state'] = 'state';
    values[':state'] = filters.state;
    // Incidents written before states have none: they are open.
    conditions.push(filters.state === 'open' ? '(attribute_not_exists(#state) OR #state = :state)' : '#state = :state');
  }

  return {
    TableName: tableName,
    IndexName: key.indexName,
    KeyConditionExpression: keyCondition,
    ...(conditions.length > 0 ? { FilterExpression: conditions.join(' AND ') } : {}),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ScanIndexForward: false,
  };
}

/** The index partition key that already constrains an incident attribute (no FilterExpression needed for it). */
const GSI_ATTRIBUTE_OF: Record<string, string> = {
  cause: GSI_BY_CAUSE.partitionKey,
  principal: GSI_BY_PRINCIPAL.partitionKey,
  tableName: GSI_BY_TABLE.partitionKey,
};

/** YYYY-MM buckets from until's month back to since's month. */
function monthsNewestFirst(since: string, until: string): string[] {
  const months: string[] = [];
  const first = monthBucket(since);
  let [year, month] = monthBucket(until).split('-').map(Number);
  for (let bucket = monthBucket(until); bucket >= first; bucket = `${year}-${String(month).padStart(2, '0')}`) {
    months.push(bucket);
    month -= 1;
    if (month === 0) {
      month = 12;
      year -= 1;
    }
  }
  return months;
}

function newestFirst(a: Incident, b: Incident): number {
  return a.lastSeen === b.lastSeen ? a.id.localeCompare(b.id) : a.lastSeen < b.lastSeen ? 1 : -1;
}
