import { z } from 'zod';
import { SecretRef } from '../../core/config.ts';

/** The `web:` block of collector.yaml: the dashboard `collector serve` (and `collector run`) serves. */
export const WebConfig = z
  .object({
    host: z.string().min(1).default('127.0.0.1').describe('address to listen on; 127.0.0.1 keeps it local (put a reverse proxy in front)'),
    port: z.number().int().min(1).max(65535).default(8470).describe('port to listen on'),
    tls: z
      .object({ cert: z.string().min(1).describe('PEM certificate file'), key: z.string().min(1).describe('PEM private key file') })
      .strict()
      .optional()
      .describe('serve HTTPS with this certificate and key (else HTTP: use a reverse proxy for TLS)'),
    trustProxy: z.boolean().default(false).describe('trust X-Forwarded-For/-Proto from a reverse proxy (only when one is in front)'),
    sessionHours: z.number().positive().max(24 * 30).default(12).describe('how long a login lasts'),
    apiToken: SecretRef.optional().describe('bearer token for /api/v1 and /metrics; without it they are closed'),
  })
  .strict();
export type WebConfig = z.infer<typeof WebConfig>;
