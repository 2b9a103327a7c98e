import { SynError } from '../../core/errors.ts';
import type { AlertTransport } from './channel.ts';
import type { WebhookConfig } from './config.ts';
import type { AlertMessage } from './message.ts';

/** The subset of fetch a webhook needs (the global fetch in production; injectable in tests). */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

/**
 * A JSON POST per alert. `json` sends { text, state, client, site, job, since, reason } (and
 * `mailbox` for a mailbox's alert): plain, and
 * accepted as is by Slack incoming webhooks (they read `text`; there is no Teams card format); `slack`
 * sends only { text }; `ntfy` sends the line as a plain-text body with a Title header, as ntfy
 * expects. Gives up after the configured timeout (10 s by default); a non-2xx answer is a failure.
 */
export function webhookTransport(cfg: WebhookConfig, fetchImpl: FetchLike = fetch): AlertTransport {
  return {
    name: 'webhook',
    async notify(m) {
      const { headers, body } = requestOf(cfg.format, m);
      let res;
      try {
        res = await fetchImpl(cfg.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(cfg.timeoutSeconds * 1000) });
      } catch (e) {
        // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout ...) is its cause.
        const why = (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message;
        throw new SynError('ALERT_FAILED', `webhook ${redact(cfg.url)}: ${why}`, { permanent: false });
      }
      if (!res.ok) {
        const detail = (await res.text().catch(() => '')).slice(0, 200);
        throw new SynError('ALERT_FAILED', `webhook ${redact(cfg.url)} answered HTTP ${res.status}${detail ? `: ${detail}` : ''}`, { permanent: res.status < 500 });
      }
    },
  };
}

function requestOf(format: WebhookConfig['format'], m: AlertMessage): { headers: Record<string, string>; body: string } {
  if (format === 'ntfy') {
    const tags = m.kind === 'recovery' ? 'white_check_mark' : 'warning';
    // HTTP headers must be Latin-1: ntfy documents RFC 2047 for others; keep the title ASCII-safe.
    return { headers: { 'content-type': 'text/plain; charset=utf-8', title: asciiHeader(m.subject), tags, priority: m.kind === 'recovery' ? '3' : '4' }, body: m.text };
  }
  // client, site and job are null for a mailbox's alert (then `mailbox` names it), job for an agent's.
  const json =
    format === 'slack'
      ? { text: m.text }
      : { text: m.text, state: m.label, client: m.client, site: m.site, job: m.job, since: m.since, reason: m.reason, ...(m.mailbox !== null ? { mailbox: m.mailbox } : {}) };
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) };
}

function asciiHeader(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 250);
}

/** Webhook URLs carry their secret in the path (Slack, ntfy): log only the origin. */
function redact(url: string): string {
  try {
    return new URL(url).origin + '/...';
  } catch {
    return '(invalid url)';
  }
}
