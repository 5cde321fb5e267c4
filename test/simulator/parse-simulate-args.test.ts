import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSimulateArgs, runSimulateCommand, simulateUsage } from '../../src/simulator/index.js';

test('parses every flag, both --flag value and --flag=value', () => {
  const parsed = parseSimulateArgs([
    '--port',
    '9001',
    '--host=0.0.0.0',
    '--model',
    'a',
    '--model=b',
    '--ttft-ms',
    '250',
    '--tokens-per-second',
    '40.5',
    '--max-concurrency',
    '4',
    '--error-rate',
    '0.1',
    '--seed',
    '-3',
    '--response-tokens',
    '32',
    '--health-status',
    '503',
    '--api-key',
    'k',
  ]);
  assert.deepEqual(parsed, {
    showHelp: false,
    options: {
      port: 9001,
      host: '0.0.0.0',
      models: ['a', 'b'],
      ttftMs: 250,
      tokensPerSecond: 40.5,
      maxConcurrency: 4,
      errorRate: 0.1,
      seed: -3,
      responseTokens: 32,
      healthStatus: 503,
      apiKey: 'k',
    },
  });
});

test('defaults to vLLM port 8000 on 127.0.0.1; --help wins', () => {
  assert.deepEqual(parseSimulateArgs([]), { showHelp: false, options: { port: 8000, host: '127.0.0.1' } });
  assert.deepEqual(parseSimulateArgs(['--port', '1', '--help']), { showHelp: true });
  assert.match(simulateUsage, /--tokens-per-second/);
});

test('bad input throws an error naming the flag and what it expects', () => {
  const cases: [string[], RegExp][] = [
    [['--prot', '1'], /unknown flag "--prot".*--port/],
    [['--port', 'abc'], /--port expects an integer from 0 to 65535, got "abc"/],
    [['--port', '70000'], /--port expects an integer/],
    [['--port'], /--port expects .* no value was given/],
    [['--port', '--seed', '1'], /--port expects .* no value was given/],
    [['--error-rate', '1.5'], /--error-rate expects a probability from 0 to 1, got "1.5"/],
    [['--ttft-ms', '-1'], /--ttft-ms expects a number of milliseconds >= 0/],
    [['--tokens-per-second', ''], /--tokens-per-second expects a number >= 0/],
    [['--max-concurrency', '1.5'], /--max-concurrency expects an integer >= 0/],
    [['--response-tokens=x'], /--response-tokens expects an integer >= 0, got "x"/],
    [['--seed', '1.2'], /--seed expects an integer/],
    [['--model', ''], /--model expects a model name/],
    [['--health-status', '600'], /--health-status expects an HTTP status code from 100 to 599, got "600"/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseSimulateArgs(argv), message, argv.join(' '));
});

test('runSimulateCommand serves until stopped and prints one listening line', async () => {
  const writes: string[] = [];
  const controller = new AbortController();
  const running = runSimulateCommand(['--port', '0', '--model', 'demo-a', '--model', 'demo-b'], {
    stopSignal: controller.signal,
    write: (text) => writes.push(text),
  });
  const deadline = Date.now() + 2000;
  while (writes.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  const line = writes[0] ?? '';
  const match = /^simulator listening on (http:\/\/127\.0\.0\.1:\d+\/v1) \(models: demo-a, demo-b\)\n$/.exec(
    line,
  );
  assert.ok(match, line);
  const models = (await (await fetch(`${match[1]}/models`)).json()) as { data: { id: string }[] };
  assert.deepEqual(
    models.data.map((model) => model.id),
    ['demo-a', 'demo-b'],
  );
  controller.abort();
  await running;
  await assert.rejects(fetch(`${match[1]}/models`));
});

test('runSimulateCommand --help prints usage and starts nothing', async () => {
  const writes: string[] = [];
  await runSimulateCommand(['--help'], { write: (text) => writes.push(text) });
  assert.equal(writes.join(''), simulateUsage);
});
