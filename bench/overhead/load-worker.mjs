// Closed-loop HTTP load generator, run by run.mjs as its own child process (IPC channel, 'advanced'
// serialisation). Each job: `connections` workers share one keep-alive undici Pool and loop POSTing the same
// body for warmup + duration; a request is measured when it completes inside the measured window. For every
// measured request it records total latency and, for streams, the time to the first `data:` chunk (TTFT).
// Every response is checked (status 2xx, a complete body); the first few of each job are JSON-parsed fully.
import { Pool } from 'undici';
import { checkResponse } from './check-response.mjs';

const FULL_CHECKS_PER_JOB = 20;

async function runJob(job) {
  const url = new URL(job.url);
  const pool = new Pool(url.origin, {
    connections: job.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  const headers = {
    'content-type': 'application/json',
    accept: job.stream ? 'text/event-stream' : 'application/json',
  };
  const latencies = [];
  const ttfts = [];
  const result = { completed: 0, ok: 0, non2xx: 0, errors: 0, invalid: 0, statuses: {}, samples: [] };
  const note = (message) => {
    if (result.samples.length < 5) result.samples.push(message);
  };
  let fullChecks = 0;
  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const measureTo = measureFrom + job.durationMs;

  async function worker() {
    while (performance.now() < measureTo) {
      const sentAt = performance.now();
      let firstDataAt = -1;
      try {
        const { statusCode, body } = await pool.request({
          method: 'POST',
          path: url.pathname,
          headers,
          body: job.body,
        });
        const chunks = [];
        for await (const chunk of body) {
          if (firstDataAt < 0 && chunk.indexOf('data:') !== -1) firstDataAt = performance.now();
          chunks.push(chunk);
        }
        const doneAt = performance.now();
        const text = Buffer.concat(chunks).toString('utf8');
        result.completed += 1;
        result.statuses[statusCode] = (result.statuses[statusCode] ?? 0) + 1;
        if (statusCode < 200 || statusCode > 299) {
          result.non2xx += 1;
          note(`HTTP ${statusCode}: ${text.slice(0, 300)}`);
          continue;
        }
        const full = fullChecks < FULL_CHECKS_PER_JOB;
        if (full) fullChecks += 1;
        const problem = checkResponse(text, job.stream, full);
        if (problem !== null) {
          result.invalid += 1;
          note(`${problem}: ${text.slice(0, 300)}`);
          continue;
        }
        if (job.stream && firstDataAt < 0) {
          result.invalid += 1;
          note('stream without a data: chunk');
          continue;
        }
        result.ok += 1;
        if (doneAt >= measureFrom && doneAt <= measureTo) {
          latencies.push(doneAt - sentAt);
          if (job.stream) ttfts.push(firstDataAt - sentAt);
        }
      } catch (error) {
        result.errors += 1;
        note(`${error.code ?? error.name}: ${error.message}`);
      }
    }
  }

  await Promise.all(Array.from({ length: job.connections }, () => worker()));
  await pool.close();
  return {
    ...result,
    measured: latencies.length,
    durationMs: job.durationMs,
    latencies: Float64Array.from(latencies),
    ttfts: Float64Array.from(ttfts),
  };
}

process.on('message', (message) => {
  if (message.type === 'stop') {
    process.disconnect();
    return;
  }
  runJob(message.job).then(
    (result) => process.send({ type: 'result', id: message.id, result }),
    (error) => process.send({ type: 'failed', id: message.id, error: String(error?.stack ?? error) }),
  );
});
process.send({ type: 'ready' });
