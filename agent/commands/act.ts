import { dirname, isAbsolute, join } from 'node:path';
import type { SignedCommand } from '../../core/command/schema.ts';
import type { JobConfig } from '../config.ts';
import { runJob, type RunnerDeps } from '../runner.ts';

/**
 * Carries out an accepted command in this process: `run-now` runs the job (its result names the
 * command), `restore` restores into the folder the command names (its restore report names the
 * command). Both send what waits in the outbox afterwards when `deps.send` is given.
 */
export function commandActor(deps: RunnerDeps): (command: SignedCommand, job: JobConfig) => Promise<void> {
  return async (command, job) => {
    if (command.action === 'run-now') {
      const run = await runJob(job, deps, undefined, { id: command.id });
      deps.log.info({ commandId: command.id, runId: run.payload.runId, status: run.payload.status }, 'command run finished');
      return;
    }
    await restoreForCommand(command, job, deps);
  };
}

/**
 * `restore`: restoreJob (agent/restore) into the folder the command names, never in place (a
 * command cannot confirm writing over the source). Its checks throw before anything is written
 * (target not empty, unknown backup): the poll then answers with a refused receipt and the reason.
 */
async function restoreForCommand(command: SignedCommand, job: JobConfig, deps: RunnerDeps): Promise<void> {
  const { restoreJob } = await import('../restore/index.ts');
  const r = command.restore!;
  const run = await restoreJob(job, { to: commandTarget(r.to, deps.config.configPath), paths: r.paths, at: r.at, inPlace: false, confirmed: false, command: { id: command.id } }, deps);
  deps.log.info({ commandId: command.id, runId: run.payload.runId, status: run.payload.status }, 'command restore finished');
}

/**
 * A relative target in a command (the collector's default `synecdoche-restores/...`) is taken
 * from the agent config's folder, as every relative path in agent.yaml is, not from whatever
 * folder the service happened to start in. Absolute, drive and UNC paths stay as they are.
 */
export function commandTarget(to: string, configPath: string): string {
  if (isAbsolute(to) || /^[A-Za-z]:[\\/]/.test(to) || to.startsWith('\\\\')) return to;
  return join(dirname(configPath), to);
}
