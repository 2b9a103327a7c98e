import { describe, expect, it } from 'vitest';
import { commandTarget } from './act.ts';

describe('a restore command target', () => {
  it('resolves a relative folder against the agent config folder, not the working folder', () => {
    expect(commandTarget('synecdoche-restores/docs/request-3', '/etc/synecdoche/agent.yaml')).toBe('/etc/synecdoche/synecdoche-restores/docs/request-3');
  });
  it('keeps absolute, Windows drive and UNC folders as they are', () => {
    expect(commandTarget('/srv/restores/x', '/etc/synecdoche/agent.yaml')).toBe('/srv/restores/x');
    expect(commandTarget('D:\\Restores\\x', 'C:\\ProgramData\\Synecdoche\\agent.yaml')).toBe('D:\\Restores\\x');
    expect(commandTarget('\\\\nas\\restores\\x', 'C:\\ProgramData\\Synecdoche\\agent.yaml')).toBe('\\\\nas\\restores\\x');
  });
});
