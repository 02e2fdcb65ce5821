import type { Command } from 'commander';
import type { Incident } from '../../core/incidents/model';
import type { DeliveryBudget, DeliveryResult, StateReflector } from '../../core/incidents/ports';
import { describeError } from '../../core/incidents/errors';

/** Options of `incidents ack|resolve|reopen` that name where a state change is shown besides the store. */
export interface ReflectorFlags {
  readonly slackTokenSecret?: string;
  readonly pagerdutyKeySecret?: string;
}

export function withReflectorOptions(command: Command): Command {
  return command
    .option(
      '--slack-token-secret <name>',
      "Secrets Manager secret with the Slack bot token: the incident's Slack message shows the new state",
    )
    .option(
      '--pagerduty-key-secret <name>',
      'Secrets Manager secret with the PagerDuty routing key: acknowledge, resolve or re-trigger there',
    );
}

/**
 * The reflectors the options configure, reading their secrets in `region` (the credentials of the standard chain).
 * The Slack message's channel is part of the stored thread reference, so no channel option is needed.
 */
export async function stateReflectorsFor(flags: ReflectorFlags, region: string | undefined): Promise<StateReflector[]> {
  if (flags.slackTokenSecret === undefined && flags.pagerdutyKeySecret === undefined) return [];
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const { pagerDutyRoutingKeySecret, slackBotTokenSecret } = await import('../../lambdas/adapters/secret-value');
  const secrets = new SecretsManagerClient(region === undefined ? {} : { region });
  const warn = (message: string) => process.stderr.write(`denyscope: ${message}\n`);
  const reflectors: StateReflector[] = [];
  if (flags.slackTokenSecret !== undefined) {
    const { SlackStateReflector, SlackWebApi } = await import('../../lambdas/adapters/slack-bot-notifier');
    const token = slackBotTokenSecret(secrets, flags.slackTokenSecret, warn);
    reflectors.push(new SlackStateReflector(new SlackWebApi({ token })));
  }
  if (flags.pagerdutyKeySecret !== undefined) {
    const { PagerDutyEvents, PagerDutyStateReflector } = await import('../../lambdas/adapters/pagerduty-notifier');
    const routingKey = pagerDutyRoutingKeySecret(secrets, flags.pagerdutyKeySecret, warn);
    reflectors.push(new PagerDutyStateReflector(new PagerDutyEvents({ routingKey })));
  }
  return reflectors;
}

/**
 * Shows a state change that was written to the store in every configured channel, one after the other; a channel
 * that fails is reported in its result (the store already holds the new state, so nothing is undone).
 */
export async function reflectStateChange(
  incident: Incident,
  reflectors: readonly StateReflector[],
  budget: DeliveryBudget,
): Promise<{ channel: string; result: DeliveryResult }[]> {
  const outcomes: { channel: string; result: DeliveryResult }[] = [];
  for (const reflector of reflectors) {
    let result: DeliveryResult;
    try {
      result = await reflector.reflect(incident, budget);
    } catch (error) {
      result = { status: 'failed', detail: describeError(error) };
    }
    outcomes.push({ channel: reflector.channel, result });
  }
  return outcomes;
}
