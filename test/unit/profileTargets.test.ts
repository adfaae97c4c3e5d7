// Targets for the status bar's switch, read from profiles.yml the way dbt
// finds it; only target names are read.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readProfileTargets, targetsFromProfilesYaml } from '../../src/dbt/profileTargets';
import { jaffleDir } from './eventStreams';

describe('profile targets', () => {
  it('reads the fixture profile next to dbt_project.yml', () => {
    const t = readProfileTargets(jaffleDir, '', {});
    assert.deepEqual(t && { profile: t.profile, targets: t.targets, defaultTarget: t.defaultTarget }, { profile: 'jaffle', targets: ['dev', 'ci'], defaultTarget: 'dev' });
  });
  it('prefers the profiles dir setting, then DBT_PROFILES_DIR', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtc-profiles-'));
    try {
      writeFileSync(join(dir, 'profiles.yml'), 'jaffle:\n  target: prod\n  outputs:\n    prod: {type: duckdb}\n');
      assert.deepEqual(readProfileTargets(jaffleDir, dir, {})?.targets, ['prod']);
      assert.deepEqual(readProfileTargets(jaffleDir, '', { DBT_PROFILES_DIR: dir })?.targets, ['prod']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('resolves env_var() in the default target, and tolerates bad YAML', () => {
    const text = "p:\n  target: \"{{ env_var('DBT_TARGET', 'dev') }}\"\n  outputs:\n    dev: {}\n    prod: {}\n";
    assert.deepEqual(targetsFromProfilesYaml(text, 'p', {}), { targets: ['dev', 'prod'], defaultTarget: 'dev' });
    assert.equal(targetsFromProfilesYaml(text, 'p', { DBT_TARGET: 'prod' })?.defaultTarget, 'prod');
    assert.equal(targetsFromProfilesYaml('p: [', 'p'), undefined);
    assert.equal(targetsFromProfilesYaml(text, 'other'), undefined);
  });
});
