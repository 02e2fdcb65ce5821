import type { renderSlackMessage } from '../../core/render/slack-message';

/** Every text a Slack client renders from a message: the fallback and each `text` in its blocks. */
export function slackTexts(message: ReturnType<typeof renderSlackMessage>): string[] {
  const found: string[] = [message.text];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key === 'text' && typeof item === 'string') found.push(item);
        else walk(item);
      }
    }
  };
  walk(message.blocks);
  return found;
}
