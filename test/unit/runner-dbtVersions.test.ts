// versionGap: the commands and flags an older dbt-core lacks get one clear message.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { versionGap } from '../../src/runner/dbtVersions';

void describe('versionGap', () => {
  void it('names what is missing, the minor that added it and the installed version', () => {
    assert.equal(versionGap(['retry'], '1.5.12'), 'dbt retry needs dbt-core 1.6 or newer, and this Python has dbt-core 1.5.12: upgrade dbt-core and your adapter to use it.');
    assert.match(versionGap(['clone', '--state', 'prod'], '1.5.0') ?? '', /^dbt clone needs dbt-core 1\.6 or newer/);
    assert.match(versionGap(['run', '--select', 'a', '--empty'], '1.7.20') ?? '', /^the --empty flag needs dbt-core 1\.8 or newer, and this Python has dbt-core 1\.7\.20/);
    assert.match(versionGap(['build', '--sample=3 days'], '1.9.11') ?? '', /^the --sample flag needs dbt-core 1\.10 or newer/);
  });

  void it('lets through what the installed minor has, and everything else', () => {
    assert.equal(versionGap(['retry'], '1.6.0'), undefined);
    assert.equal(versionGap(['run', '--empty'], '1.8.10'), undefined);
    assert.equal(versionGap(['run', '--sample', '3 days'], '1.10.0b1'), undefined);
    assert.equal(versionGap(['run', '--sample', '3 days'], '1.12.6'), undefined);
    assert.equal(versionGap(['run', '--select', 'retry'], '1.5.12'), undefined, 'a model named retry is no retry command');
    assert.equal(versionGap(['build', '--empty-ish'], '1.5.12'), undefined);
    assert.equal(versionGap(['run'], '1.5.12'), undefined);
  });
});
