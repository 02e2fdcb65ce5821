import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Incident, Occurrence } from '../../lambdas/incidents/model';

// TEMPORARY until lambdas/adapters exports the item<->model mapping; then these delegate to it.
export function itemToIncident(item: Record<string, AttributeValue>): Incident {
  return unmarshall(item) as Incident;
}

export function itemToOccurrence(item: Record<string, AttributeValue>): Occurrence {
  return unmarshall(item) as Occurrence;
}
