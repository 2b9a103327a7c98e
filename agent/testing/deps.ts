import { FakeClock, type Clock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { smtpSender } from '../../core/mail/smtp.ts';
import { loadPrivateKey } from '../../core/result/keys.ts';
import { runProcess } from '../../core/process.ts';
import { loadAgentConfig, type PluginLookup } from '../config.ts';
import { Outbox } from '../outbox.ts';
import type { RunnerDeps } from '../runner.ts';

/** Runner dependencies over a test site's config: real SMTP sender, real process runner. */
export function testDeps(configPath: string, lookup: PluginLookup, clock: Clock = new FakeClock('2026-11-23T01:30:00Z')): RunnerDeps {
  const config = loadAgentConfig(configPath, {}, lookup);
  const outbox = new Outbox(config.outbox, clock, silentLogger);
  return {
    config,
    plugins: lookup,
    clock,
    log: silentLogger,
    exec: runProcess,
    outbox,
    graceMs: 500,
    send: { sender: smtpSender(config.smtp, {}), keys: loadPrivateKey(config.keyFile), from: config.mail.from, to: config.mail.to },
  };
}
