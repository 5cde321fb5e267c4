// `npm run demo`: a simulated local vLLM worker, a simulated hosted API and the gateway with a 60/40 split.
// Prints a curl and an openai-SDK example, sends 20 requests to show the split, then runs until Ctrl-C.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
const localPort = Number(process.env.DEMO_LOCAL_PORT ?? 8000);
const remotePort = Number(process.env.DEMO_REMOTE_PORT ?? 8001);
const gatewayPort = Number(process.env.PORT ?? 8080);
const gateway = `http://127.0.0.1:${gatewayPort}`;
const children = [];

function start(name, args, env = {}) {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (data) => process.stdout.write(`[${name}] ${data}`));
  child.stderr.on('data', (data) => process.stderr.write(`[${name}] ${data}`));
  child.on('exit', (code) => {
    if (!stopping) {
      console.error(`${name} exited with code ${code}; is port ${args[args.indexOf('--port') + 1]} free?`);
      stop(1);
    }
  });
  children.push(child);
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 300).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitFor(url) {
  for (let tries = 0; tries < 100; tries += 1) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not come up`);
}

start('local-vllm', [
  'simulate',
  '--port',
  String(localPort),
  '--model',
  'meta-llama/Llama-3.1-8B-Instruct',
  '--ttft-ms',
  '40',
  '--tokens-per-second',
  '400',
]);
start('remote-api', [
  'simulate',
  '--port',
  String(remotePort),
  '--model',
  'llama-3.1-8b-instant',
  '--api-key',
  'demo-remote-key',
  '--ttft-ms',
  '120',
  '--tokens-per-second',
  '800',
]);
start('gateway', ['serve', '--port', String(gatewayPort), '--config-dir', join(root, 'examples', 'demo')], {
  DEMO_LOCAL_URL: `http://127.0.0.1:${localPort}/v1`,
  DEMO_REMOTE_URL: `http://127.0.0.1:${remotePort}/v1`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
});

try {
  await waitFor(`http://127.0.0.1:${localPort}/health`);
  await waitFor(`http://127.0.0.1:${remotePort}/health`);
  await waitFor(`${gateway}/health`);
} catch (error) {
  console.error(String(error));
  stop(1);
}

const counts = {};
for (let index = 0; index < 20; index += 1) {
  const response = await fetch(`${gateway}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'llama-3.1-8b',
      messages: [{ role: 'user', content: `Hello ${index}` }],
      max_tokens: 8,
    }),
  });
  await response.text();
  const route = response.headers.get('x-gateway-route') ?? `HTTP ${response.status}`;
  counts[route] = (counts[route] ?? 0) + 1;
}

console.log(`
HybridInference demo is running: gateway ${gateway}, simulated local worker :${localPort}, simulated cloud :${remotePort}.
20 requests were split like this (fixed strategy, local_fraction 0.6):
${Object.entries(counts)
  .map(([route, count]) => `  ${String(count).padStart(2)}  ${route}`)
  .join('\n')}

Try it with curl:
  curl -s ${gateway}/v1/chat/completions -H 'Content-Type: application/json' \\
    -d '{"model":"meta-llama/llama-3.1-8b-instruct","messages":[{"role":"user","content":"Say hello"}]}'
  curl -sN ${gateway}/v1/chat/completions -H 'Content-Type: application/json' \\
    -d '{"model":"llama-3.1-8b","stream":true,"messages":[{"role":"user","content":"Stream please"}]}'

Or with the openai SDK (npm i openai):
  import OpenAI from 'openai';
  const client = new OpenAI({ baseURL: '${gateway}/v1', apiKey: 'unused' });
  const completion = await client.chat.completions.create({
    model: 'meta-llama/llama-3.1-8b-instruct',
    messages: [{ role: 'user', content: 'Say hello' }],
  });
  console.log(completion.choices[0].message.content, completion.usage);

Live weights: curl -s ${gateway}/routing     Health: curl -s ${gateway}/health
Press Ctrl-C to stop.`);
