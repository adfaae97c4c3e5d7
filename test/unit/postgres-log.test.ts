// The server-log reading behind the reliability layer's "--threads 4 uses at
// most 4 sessions" check: sessions of one database, and how many overlap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxConcurrent, sessionsInLog } from '../fixtures/lib/postgres';

const LOG = [
  '2026-12-03 08:00:00.000 UTC [101] db=,app= LOG:  connection received: host=127.0.0.1 port=50001',
  '2026-12-03 08:00:00.010 UTC [101] db=jaffle_a,app=[unknown] LOG:  connection authorized: user=conductor database=jaffle_a application_name=dbt',
  '2026-12-03 08:00:00.100 UTC [102] db=,app= LOG:  connection received: host=127.0.0.1 port=50002',
  '2026-12-03 08:00:00.105 UTC [102] db=jaffle_a,app=[unknown] LOG:  connection authorized: user=conductor database=jaffle_a application_name=dbt',
  '2026-12-03 08:00:00.200 UTC [103] db=,app= LOG:  connection received: host=127.0.0.1 port=50003',
  '2026-12-03 08:00:00.201 UTC [103] db=other,app=[unknown] LOG:  connection authorized: user=conductor database=other',
  // 101 ends at 0.000 + 0.5 s; its line is written later than 104 starts: the session time decides, not the line order.
  '2026-12-03 08:00:00.600 UTC [104] db=,app= LOG:  connection received: host=127.0.0.1 port=50004',
  '2026-12-03 08:00:00.601 UTC [104] db=jaffle_a,app=[unknown] LOG:  connection authorized: user=conductor database=jaffle_a application_name=dbt',
  '2026-12-03 08:00:00.700 UTC [101] db=jaffle_a,app=dbt LOG:  disconnection: session time: 0:00:00.500 user=conductor database=jaffle_a host=127.0.0.1 port=50001',
  '2026-12-03 08:00:01.000 UTC [102] db=jaffle_a,app=dbt LOG:  disconnection: session time: 0:00:00.900 user=conductor database=jaffle_a host=127.0.0.1 port=50002',
  '2026-12-03 08:00:01.000 UTC [103] db=other,app= LOG:  disconnection: session time: 0:00:00.800 user=conductor database=other host=127.0.0.1 port=50003',
  '2026-12-03 08:00:01.100 UTC [104] db=jaffle_a,app=dbt LOG:  disconnection: session time: 0:00:00.500 user=conductor database=jaffle_a host=127.0.0.1 port=50004',
  '2026-12-03 08:00:01.200 UTC [105] db=,app= LOG:  connection received: host=127.0.0.1 port=50005',
  '2026-12-03 08:00:01.210 UTC [105] db=jaffle_a,app=[unknown] FATAL:  password authentication failed for user "conductor"',
].join('\n');

void describe('sessionsInLog and maxConcurrent', () => {
  void it('keeps the sessions of one database, timed from the server log', () => {
    const sessions = sessionsInLog(LOG, 'jaffle_a');
    assert.deepEqual(
      sessions.map((s) => s.pid),
      [101, 102, 104],
      'the other database and the failed login are not sessions of jaffle_a',
    );
    assert.equal(sessions[0].end - sessions[0].start, 500);
    assert.equal(sessions[0].application, 'dbt');
  });

  void it('counts the most sessions open at once by their times, not their log order', () => {
    const sessions = sessionsInLog(LOG, 'jaffle_a');
    // 101: 0.0-0.5, 102: 0.1-1.0, 104: 0.6-1.1 -> never three at once.
    assert.equal(maxConcurrent(sessions), 2);
    assert.equal(maxConcurrent([]), 0);
    assert.equal(maxConcurrent([{ pid: 1, application: 'a', start: 0, end: 10 }, { pid: 2, application: 'a', start: 10, end: 20 }]), 1, 'one ending as the next starts');
  });
});
