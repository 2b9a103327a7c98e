import type { ServiceDeps } from './service.ts';
import { AgentService } from './service.ts';

/**
 * Runs the agent service until SIGTERM or SIGINT, then stops gracefully: no new starts,
 * running jobs aborted (their reports say "stopped"), the SMTP transport closed.
 */
export async function runService(deps: ServiceDeps): Promise<void> {
  const service = new AgentService(deps);
  let onSignal: (s: NodeJS.Signals) => void = () => undefined;
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
  });
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    await service.start();
    const signal = await stopped;
    deps.log.info({ signal }, 'signal received');
    await service.stop();
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    deps.send.sender.close();
  }
  deps.log.info('agent stopped');
  // A plugin that ignored its abort may still hold a child process or socket; do not hang.
  setTimeout(() => process.exit(process.exitCode ?? 0), 5000).unref();
}
