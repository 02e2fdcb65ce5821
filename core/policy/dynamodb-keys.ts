import { objectValue, text, type CloudTrailRecord } from '../diagnosis/record';
import type { RequestKeys } from './request-keys';

/**
 * DynamoDB's condition keys as a data event's requestParameters show them (DynamoDB "Using IAM policy conditions for
 * fine-grained access control"). CloudTrail writes `key` as attribute name → value and `item` as the list of attribute
 * names (or name → value in other sources), typed ({"S": …}) or plain; batch and transaction calls list several.
 * - dynamodb:Attributes: every attribute name the request touches (key, item, projected, in expressions). A read
 *   without a projection returns every attribute, which the request does not name: then it is unresolved.
 * - dynamodb:LeadingKeys: the partition key values, only when the partition key can be told: a key of one attribute,
 *   or the table's key schema from the store. Else unresolved.
 * - dynamodb:Select, dynamodb:ReturnValues, dynamodb:ReturnConsumedCapacity: as given.
 */
export function dynamodbKeys(
  keys: RequestKeys,
  record: CloudTrailRecord,
  action: string,
  tableName: string | null,
  keySchema: readonly string[] | undefined,
): void {
  const parameters = objectValue(record.requestParameters);
  if (parameters === undefined) return;
  const requests = requestsFor(parameters, tableName);
  if (requests.length === 0) return;

  // Worked out only when a condition reads them: reading expressions and items is the costly part.
  keys.presentSetLazily('dynamodb:Attributes', () => {
    const attributes = attributeNamesOf(requests, isRead(action));
    return attributes === null ? null : [...attributes];
  });
  keys.presentSetLazily('dynamodb:LeadingKeys', () => {
    const leading = leadingKeysOf(requests, keySchema?.[0]);
    return leading === null ? null : [...leading];
  });

  for (const [parameter, key] of [
    ['select', 'dynamodb:Select'],
    ['returnValues', 'dynamodb:ReturnValues'],
    ['returnConsumedCapacity', 'dynamodb:ReturnConsumedCapacity'],
  ] as const) {
    const value = text(parameters[parameter]);
    if (value) keys.present(key, value);
  }
}

/** One item-level request: the parameters of a single call, or one entry of a batch or transaction. */
type ItemRequest = Record<string, unknown>;

const READ_ACTIONS = new Set(['getitem', 'batchgetitem', 'query', 'scan', 'transactgetitems', 'partiqlselect']);

function isRead(action: string): boolean {
  return READ_ACTIONS.has(action.slice(action.indexOf(':') + 1).toLowerCase());
}

/** The item requests of a call that concern `tableName` (every one when the table is not known and the call is single). */
function requestsFor(parameters: Record<string, unknown>, tableName: string | null): ItemRequest[] {
  const requestItems = parameters.requestItems;
  const transactItems = parameters.transactItems;
  if (objectValue(requestItems)) {
    // BatchGetItem: {table: {keys, projectionExpression, …}}; BatchWriteItem: {table: [{putRequest} | {deleteRequest}]}.
    const forTable = tableName === null ? undefined : (requestItems as Record<string, unknown>)[tableName];
    if (Array.isArray(forTable)) {
      return forTable.flatMap((entry) => {
        const put = objectValue(objectValue(entry)?.putRequest);
        const remove = objectValue(objectValue(entry)?.deleteRequest);
        return put ? [put] : remove ? [remove] : [];
      });
    }
    const batch = objectValue(forTable);
    if (!batch) return [];
    const keyList = Array.isArray(batch.keys) ? batch.keys : [];
    return keyList.map((key) => ({ ...batch, keys: undefined, key }));
  }
  const transaction = Array.isArray(requestItems) ? requestItems : Array.isArray(transactItems) ? transactItems : null;
  if (transaction !== null) {
    // Transactions as CloudTrail writes them ([{operation, tableName, key, items, …}]) or as the API takes them
    // ([{put: {tableName, item}}, {delete: {tableName, key}}]).
    return transaction.flatMap((entry) => {
      const outer = objectValue(entry);
      if (!outer) return [];
      const inner =
        objectValue(outer.put) ??
        objectValue(outer.update) ??
        objectValue(outer.delete) ??
        objectValue(outer.conditionCheck) ??
        objectValue(outer.get) ??
        outer;
      return text(inner.tableName) === tableName ? [inner] : [];
    });
  }
  return [parameters];
}

const EXPRESSIONS = [
  'projectionExpression',
  'updateExpression',
  'conditionExpression',
  'filterExpression',
  'keyConditionExpression',
] as const;
// Words of DynamoDB's expression syntax that are not attribute names (DynamoDB "Expressions" reference).
const EXPRESSION_WORDS = new Set([
  'set',
  'remove',
  'add',
  'delete',
  'and',
  'or',
  'not',
  'between',
  'in',
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'begins_with',
  'contains',
  'size',
  'if_not_exists',
  'list_append',
]);
const EXPRESSION_TOKEN = /[#:]?[A-Za-z_][A-Za-z0-9_]*/g;

/** Every top-level attribute name the requests touch, or null when the requests do not show them all. */
function attributeNamesOf(requests: readonly ItemRequest[], read: boolean): Set<string> | null {
  const names = new Set<string>();
  for (const request of requests) {
    const projected = typeof request.projectionExpression === 'string' || Array.isArray(request.attributesToGet);
    if (read && (!projected || request.select === 'ALL_ATTRIBUTES' || request.select === 'ALL_PROJECTED_ATTRIBUTES')) return null;
    const item = request.item ?? request.items;
    if (!read && item === undefined && request.key === undefined) return null;
    for (const source of [request.key, item]) addNames(names, source);
    if (Array.isArray(request.attributesToGet)) for (const name of request.attributesToGet) if (typeof name === 'string') names.add(name);
    const placeholders = objectValue(request.expressionAttributeNames) ?? {};
    for (const expression of EXPRESSIONS) {
      const value = request[expression];
      if (typeof value !== 'string') continue;
      for (const [token] of value.matchAll(EXPRESSION_TOKEN)) {
        if (token.startsWith(':')) continue;
        if (token.startsWith('#')) {
          const name = text(placeholders[token]);
          if (name === undefined) return null;
          names.add(name);
        } else if (!EXPRESSION_WORDS.has(token.toLowerCase())) {
          names.add(token);
        }
      }
    }
  }
  return names;
}

function addNames(names: Set<string>, source: unknown): void {
  if (Array.isArray(source)) {
    for (const name of source) if (typeof name === 'string') names.add(name);
  } else {
    for (const name of Object.keys(objectValue(source) ?? {})) names.add(name);
  }
}

/** The partition key values of the requests, or null when the partition key or a value cannot be told. */
function leadingKeysOf(requests: readonly ItemRequest[], partitionKey: string | undefined): Set<string> | null {
  const values = new Set<string>();
  for (const request of requests) {
    const key = objectValue(request.key) ?? objectValue(request.item);
    if (key === undefined) return null;
    const names = Object.keys(key);
    const name = partitionKey ?? (names.length === 1 ? names[0] : undefined);
    const value = name === undefined ? null : scalarOf(key[name]);
    if (value === null) return null;
    values.add(value);
  }
  return values;
}

/** An attribute value as a string: plain, or typed as {"S": …} / {"N": …} / {"B": …}. */
function scalarOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const typed = objectValue(value);
  const inner = typed?.S ?? typed?.N ?? typed?.B;
  return typeof inner === 'string' || typeof inner === 'number' ? String(inner) : null;
}
