import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { byAge, isActive, type Mute } from '../../core/incidents/mutes';
import type { Clock, MuteSource, MuteStore } from '../../core/incidents/ports';
import { INCIDENTS_TABLE_KEYS, MUTE_PK, TTL_ATTRIBUTE, muteSk } from '../../core/incidents/schema';
import { MalformedItemError } from './dynamodb-incident-store';

const criterion = z.optional(z.nullable(z.string()));
const muteItem = z.looseObject({
  id: z.string(),
  principal: criterion,
  action: criterion,
  resource: criterion,
  cause: criterion,
  account: criterion,
  until: criterion,
  reason: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});

function muteFromItem(item: Record<string, unknown>): Mute {
  const parsed = muteItem.safeParse(item);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedItemError(
      `incidents table item pk=${String(item.pk)} sk=${String(item.sk)}: field ${issue.path.map(String).join('.') || '(item)'}: ${issue.message}`,
    );
  }
  const fields = parsed.data;
  return {
    id: fields.id,
    principal: fields.principal ?? null,
    action: fields.action ?? null,
    resource: fields.resource ?? null,
    cause: fields.cause ?? null,
    account: fields.account ?? null,
    until: fields.until ?? null,
    reason: fields.reason,
    createdBy: fields.createdBy,
    createdAt: fields.createdAt,
  };
}

/**
 * Mutes in the incidents table, one item each in the MUTE partition (see schema.ts), read in one Query. An expiring
 * mute carries the TTL attribute at its end; TTL deletes within days, not at once, so reads leave out mutes that have
 * ended. The read side alone is what the alert Lambda bundles (its role may only Query the MUTE partition).
 */
export class DynamoDbMuteReader implements MuteSource {
  constructor(
    protected readonly documents: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async activeMutes(now: Date): Promise<readonly Mute[]> {
    const mutes: Mute[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': INCIDENTS_TABLE_KEYS.partitionKey },
          ExpressionAttributeValues: { ':pk': MUTE_PK },
          ConsistentRead: true,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      mutes.push(...(page.Items ?? []).map(muteFromItem));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined);
    return mutes.filter((mute) => isActive(mute, now)).sort(byAge);
  }
}

/** Mutes as `denyscope mute` and `mutes list|remove` manage them. */
export class DynamoDbMuteStore extends DynamoDbMuteReader implements MuteStore {
  async addMute(mute: Mute): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [INCIDENTS_TABLE_KEYS.partitionKey]: MUTE_PK,
          [INCIDENTS_TABLE_KEYS.sortKey]: muteSk(mute.id),
          ...mute,
          ...(mute.until === null ? {} : { [TTL_ATTRIBUTE]: Math.ceil(Date.parse(mute.until) / 1000) }),
        },
        // A new id: never overwrite another mute.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async removeMute(id: string, now: Date): Promise<boolean> {
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [INCIDENTS_TABLE_KEYS.partitionKey]: MUTE_PK, [INCIDENTS_TABLE_KEYS.sortKey]: muteSk(id) },
          // An ended mute awaiting TTL is not listed, so it is not there to remove either.
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#until) OR #until = :null OR #until > :now)',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':null': null, ':now': now.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

/**
 * The mutes a pipeline applies: the standing ones from the configuration, then the table's, read at most once per
 * `maxAgeMs` (a warm Lambda sees a new or removed mute within that time).
 */
export class CachedMuteSource implements MuteSource {
  private cached: { readonly at: number; readonly mutes: readonly Mute[] } | null = null;

  constructor(
    private readonly standing: readonly Mute[],
    private readonly table: MuteSource,
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
  ) {}

  async activeMutes(now: Date): Promise<readonly Mute[]> {
    const at = this.clock.now().getTime();
    if (this.cached === null || at - this.cached.at >= this.maxAgeMs || at < this.cached.at) {
      this.cached = { at, mutes: await this.table.activeMutes(now) };
    }
    return [...this.standing, ...this.cached.mutes].filter((mute) => isActive(mute, now)).sort(byAge);
  }
}
