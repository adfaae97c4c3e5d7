// Secret scrubbing (src/dbt/secrets.ts): the same rule as dbt's env_scrubber.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeScrubber, scrubSecrets, secretValues } from '../../src/dbt/secrets';

void describe('scrubSecrets', () => {
  void it('masks every occurrence of every DBT_ENV_SECRET value', () => {
    const env = { DBT_ENV_SECRET_PASSWORD: 's3cr3t-pw', DBT_ENV_SECRET_TOKEN: 'tok_ABC', HOME: '/home/me' };
    assert.equal(
      scrubSecrets('password=s3cr3t-pw token=tok_ABC again s3cr3t-pw home=/home/me', env),
      'password=***** token=***** again ***** home=/home/me',
    );
  });

  void it('leaves other variables, blank secrets and text without secrets alone', () => {
    const env = { DBT_ENV_SECRET_EMPTY: '', DBT_ENV_SECRET_BLANK: '   ', DBT_ENV_CUSTOM_ENV_X: 'visible', PASSWORD: 'notdbt' };
    const text = 'visible notdbt    spaces';
    assert.equal(scrubSecrets(text, env), text);
    assert.deepEqual(secretValues(env), []);
  });

  void it('uses dbt\'s prefix DBT_ENV_SECRET (with or without a trailing underscore part)', () => {
    assert.equal(scrubSecrets('x=abc', { DBT_ENV_SECRET: 'abc' }), 'x=*****');
    assert.equal(scrubSecrets('x=abc', { DBT_ENV_SECRETX: 'abc' }), 'x=*****');
    assert.equal(scrubSecrets('x=abc', { MY_DBT_ENV_SECRET_X: 'abc' }), 'x=abc');
  });

  void it('masks short secrets too, as dbt does', () => {
    assert.equal(scrubSecrets('a-b-a', { DBT_ENV_SECRET_A: 'a' }), '*****-b-*****');
  });

  void it('masks a secret that contains another one whole', () => {
    const env = { DBT_ENV_SECRET_SHORT: 'pass', DBT_ENV_SECRET_LONG: 'password123' };
    assert.equal(scrubSecrets('pw: password123 / pass', env), 'pw: ***** / *****');
  });

  void it('treats regular-expression characters in secrets literally', () => {
    const env = { DBT_ENV_SECRET_RE: 'a.b*c(d)[e]$^\\' };
    assert.equal(scrubSecrets('v=a.b*c(d)[e]$^\\ and axbbbc', env), 'v=***** and axbbbc');
  });

  void it('also masks the trimmed form of a value read with a trailing newline', () => {
    assert.equal(scrubSecrets('token: hunter22.', { DBT_ENV_SECRET_T: 'hunter22\n' }), 'token: *****.');
  });

  void it('masks extra secrets such as a profile password', () => {
    assert.equal(scrubSecrets('conn pw=Pa55word', {}, ['Pa55word']), 'conn pw=*****');
  });

  void it('a scrubber bound once gives the same answers for many lines', () => {
    const scrub = makeScrubber({ DBT_ENV_SECRET_K: 'key-123' });
    assert.equal(scrub('key-123'), '*****');
    assert.equal(scrub('nothing here'), 'nothing here');
    assert.equal(scrub('{"msg": "key-123 key-123"}'), '{"msg": "***** *****"}');
    assert.equal(makeScrubber({})('key-123'), 'key-123');
  });
});
