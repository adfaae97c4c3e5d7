// Targets for the status bar's switch, read from profiles.yml the way dbt
// finds it; only target names are read.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readProfileTargets, targetsFromProfilesYaml } from '../../src/dbt/profileTargets';
import { jaffleDir } from './eventStreams';

void describe('profile targets', () => {
  void it('reads the fixture profile next to dbt_project.yml', () => {
    const t = readProfileTargets('jaffle', jaffleDir, '', {});
    assert.deepEqual(t && { profile: t.profile, targets: t.targets, defaultTarget: t.defaultTarget }, { profile: 'jaffle', targets: ['dev', 'ci', 'pg'], defaultTarget: 'dev' });
  });
  void it('prefers the profiles dir setting, then DBT_PROFILES_DIR', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtc-profiles-'));
    try {
      writeFileSync(join(dir, 'profiles.yml'), 'jaffle:\n  target: prod\n  outputs:\n    prod: {type: duckdb}\n');
      assert.deepEqual(readProfileTargets('jaffle', jaffleDir, dir, {})?.targets, ['prod']);
      assert.deepEqual(readProfileTargets('jaffle', jaffleDir, '', { DBT_PROFILES_DIR: dir })?.targets, ['prod']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  void it('collects literal passwords and tokens of every output, not env_var() ones', () => {
    const text = [
      'p:',
      '  target: dev',
      '  outputs:',
      '    dev: {type: postgres, user: me, password: hunter2, port: 5432}',
      "    prod: {type: snowflake, private_key_passphrase: 'pk pass', token: \"{{ env_var('DBT_ENV_SECRET_TOKEN') }}\"}",
      '',
    ].join('\n');
    assert.deepEqual(targetsFromProfilesYaml(text, 'p', {})?.secrets, ['hunter2', 'pk pass']);
  });
  void it('resolves env_var() in the default target, and tolerates bad YAML', () => {
    const text = "p:\n  target: \"{{ env_var('DBT_TARGET', 'dev') }}\"\n  outputs:\n    dev: {}\n    prod: {}\n";
    assert.deepEqual(targetsFromProfilesYaml(text, 'p', {}), { targets: ['dev', 'prod'], defaultTarget: 'dev', secrets: [] });
    assert.equal(targetsFromProfilesYaml(text, 'p', { DBT_TARGET: 'prod' })?.defaultTarget, 'prod');
    assert.equal(targetsFromProfilesYaml('p: [', 'p'), undefined);
    assert.equal(targetsFromProfilesYaml(text, 'other'), undefined);
  });
});
