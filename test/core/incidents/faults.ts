import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Incident } from '../../../core/incidents/model';
import type { DeliveryBudget, DeliveryResult, Notifier } from '../../../core/incidents/ports';

/**
 * Fault injection for the incident pipeline: every DynamoDB call and every notification is a step, and a run can
 * "crash" at any boundary between two steps: after `stopAfter` steps, the process dies as the next one starts. The
 * boundary after a call is the same as the one before the next call: the call took effect and its answer was lost
 * with the process. After the crash every step throws too, so nothing the dead run does reaches the store or a
 * channel (the pipeline catches a notifier's error, and carries on only into further steps that throw).
 */
export class Crash extends Error {
  constructor(step: string) {
    super(`crashed before ${step}`);
    this.name = 'Crash';
  }
}

export class StepCounter {
  /** Steps done so far, with what each was (the command and its update expression, or the channel). */
  readonly steps: string[] = [];
  private dead = false;

  constructor(private readonly stopAfter: number | null = null) {}

  get crashed(): boolean {
    return this.dead;
  }

  async step<T>(label: string, call: () => Promise<T>): Promise<T> {
    if (this.dead || this.steps.length === this.stopAfter) {
      this.dead = true;
      throw new Crash(label);
    }
    this.steps.push(label);
    return call();
  }
}

/** The document client with every `send` counted as one step. */
export function steppedDocuments(documents: DynamoDBDocumentClient, counter: StepCounter): DynamoDBDocumentClient {
  return new Proxy(documents, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
      return (command: { constructor: { name: string }; input: { UpdateExpression?: string } }) =>
        counter.step([command.constructor.name, command.input.UpdateExpression].filter(Boolean).join(' '), () =>
          (target.send as (c: unknown) => Promise<unknown>)(command),
        );
    },
  });
}

/** What one channel received: the alert's identity (incident, sequence) and the event that raised it. */
export interface Receipt {
  readonly channel: Notifier['channel'];
  readonly incidentId: string;
  readonly sequence: number;
  readonly eventId: string;
}

/** A channel that records every alert it was given, shared by every run (the world outside the process). */
export class RecordingChannel implements Notifier {
  constructor(
    readonly channel: Notifier['channel'],
    private readonly receipts: Receipt[],
  ) {}

  notify(incident: Incident): Promise<DeliveryResult> {
    const alert = incident.alert;
    if (alert === null) throw new Error('notified without an alert');
    this.receipts.push({ channel: this.channel, incidentId: incident.id, sequence: alert.sequence, eventId: alert.eventId });
    return Promise.resolve({ status: 'sent' });
  }
}

/** The notifier with its call counted as one step: `before` = not sent, `after` = sent but the answer lost. */
export function steppedNotifier(notifier: Notifier, counter: StepCounter): Notifier {
  return {
    channel: notifier.channel,
    notify: (incident: Incident, budget: DeliveryBudget) =>
      counter.step(`notify ${notifier.channel}`, () => notifier.notify(incident, budget)),
  };
}
