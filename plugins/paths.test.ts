import { describe, expect, it } from 'vitest';
import { plugins } from './index.ts';
import { resolveLocalPath, resolvePathOptions } from './paths.ts';

const base = '/etc/synecdoche';
const resolved = (name: string, options: Record<string, unknown>) => {
  const p = plugins.get(name)!;
  return resolvePathOptions(p, p.configSchema.parse(options), base) as Record<string, unknown>;
};

describe('resolveLocalPath', () => {
  it('resolves a relative path against the config folder', () => {
    expect(resolveLocalPath('data', base)).toBe('/etc/synecdoche/data');
    expect(resolveLocalPath('../backup/x', base)).toBe('/etc/backup/x');
    expect(resolveLocalPath('.', base)).toBe('/etc/synecdoche');
  });

  it('keeps a trailing slash, which tells rsync to copy the contents of a folder', () => {
    expect(resolveLocalPath('data/', base)).toBe('/etc/synecdoche/data/');
    expect(resolveLocalPath('./', base)).toBe('/etc/synecdoche/');
  });

  it('leaves absolute, Windows drive, drive-relative and UNC paths as they are', () => {
    for (const p of ['/srv/data', 'D:\\Shares', 'D:/Shares', 'D:Shares', '\\\\nas\\backup', '\\Shares']) expect(resolveLocalPath(p, base)).toBe(p);
  });
});

describe("resolvePathOptions with the built-in plugins' pathOptions", () => {
  it('resolves copy source and destination', () => {
    expect(resolved('copy', { source: 'docs', destination: '../nas/docs' })).toMatchObject({ source: '/etc/synecdoche/docs', destination: '/etc/nas/docs' });
  });

  it('resolves local rsync paths and leaves remote ones alone', () => {
    expect(resolved('rsync', { source: 'docs/', destination: 'backup@nas:/backups/docs/' })).toMatchObject({ source: '/etc/synecdoche/docs/', destination: 'backup@nas:/backups/docs/' });
    expect(resolved('rsync', { source: 'rsync://nas/module/', destination: 'copy' })).toMatchObject({ source: 'rsync://nas/module/', destination: '/etc/synecdoche/copy' });
    expect(resolved('rsync', { source: 'nas::module', destination: './x:y' })).toMatchObject({ source: 'nas::module', destination: '/etc/synecdoche/x:y' });
  });

  it('resolves a local restic repository, the password file and the backup paths, and leaves a remote repository alone', () => {
    expect(resolved('restic', { repository: 'repo', passwordFile: 'restic.pw', paths: ['docs', '/srv/mail'] })).toMatchObject({
      repository: '/etc/synecdoche/repo',
      passwordFile: '/etc/synecdoche/restic.pw',
      paths: ['/etc/synecdoche/docs', '/srv/mail'],
    });
    expect(resolved('restic', { repository: 'sftp:backup@nas:/srv/restic', passwordEnv: 'PW', paths: ['/srv'] })).toMatchObject({ repository: 'sftp:backup@nas:/srv/restic' });
  });

  it('resolves the command cwd but not the command, which may be a program on PATH', () => {
    expect(resolved('command', { command: 'dump.sh', cwd: 'scripts' })).toMatchObject({ command: 'dump.sh', cwd: '/etc/synecdoche/scripts' });
    expect(resolved('command', { command: 'true' })).not.toHaveProperty('cwd');
  });

  it('resolves robocopy paths and its log file, leaving Windows paths as they are', () => {
    expect(resolved('robocopy', { source: 'D:\\Shares', destination: '\\\\nas\\backup', logFile: 'logs/robocopy.log' })).toMatchObject({
      source: 'D:\\Shares',
      destination: '\\\\nas\\backup',
      logFile: '/etc/synecdoche/logs/robocopy.log',
    });
  });
});
