import { describeError } from '../../core/incidents/errors';
import type { Incident } from '../../core/incidents/model';
import type { DeliveryBudget, DeliveryResult, StateReflector } from '../../core/incidents/ports';

/** The options of `incidents ack|resolve|reopen` that configure where a state change is shown; none yet. */
export type ReflectorOptions = Record<string, never>;

/** The reflectors the command's options configure, in the order they are updated. */
export function reflectorsFor(_options: ReflectorOptions): StateReflector[] {
  return [];
}

/**
 * Shows a written state change on every configured channel, one after the other; a reflector that throws counts as
 * failed (the change is written either way: the caller reports what could not be shown).
 */
export async function reflectStateChange(
  incident: Incident,
  reflectors: readonly StateReflector[],
  budget: DeliveryBudget,
): Promise<{ channel: string; result: DeliveryResult }[]> {
  const results: { channel: string; result: DeliveryResult }[] = [];
  for (const reflector of reflectors) {
    let result: DeliveryResult;
    try {
      result = await reflector.reflect(incident, budget);
    } catch (error) {
      result = { status: 'failed', detail: describeError(error) };
    }
    results.push({ channel: reflector.channel, result });
  }
  return results;
}
