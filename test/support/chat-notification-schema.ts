import { z } from 'zod';

/**
 * The event schema of "Custom notifications using Amazon Q Developer in chat applications": version "1.0" and
 * source "custom" are required, and so is content.description; the other fields are optional strings and lists
 * of strings, additionalContext a map of strings.
 */
export const CUSTOM_NOTIFICATION_SCHEMA = z
  .object({
    version: z.literal('1.0'),
    source: z.literal('custom'),
    id: z.string().optional(),
    content: z
      .object({
        textType: z.literal('client-markdown').optional(),
        title: z.string().optional(),
        description: z.string().min(1),
        nextSteps: z.array(z.string()).optional(),
        keywords: z.array(z.string()).optional(),
      })
      .strict(),
    metadata: z
      .object({
        threadId: z.string().optional(),
        summary: z.string().optional(),
        eventType: z.string().optional(),
        relatedResources: z.array(z.string()).optional(),
        additionalContext: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
