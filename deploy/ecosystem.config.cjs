// pm2 process file of the rtc-call signaling server:
//   pm2 start deploy/ecosystem.config.cjs && pm2 save
// Secrets (JOIN_SECRET, TURN_SECRET, …) come from the environment pm2 is started in, or add them to
// `env` below. test/server/service.test.ts runs the process this file describes, as pm2 would.
module.exports = {
  apps: [
    {
      name: 'rtc-call',
      cwd: `${__dirname}/..`,
      script: 'server/main.ts',
      // pm2 would pick ts-node for a .ts file; the server runs on Node with tsx's loader.
      interpreter: 'node',
      node_args: '--import tsx',
      // One process: rooms live in its memory, so no cluster mode (docs/deploy.md).
      exec_mode: 'fork',
      instances: 1,
      env: { NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '8080' },
      // pm2 stops a process with SIGINT, then SIGKILL after kill_timeout; the server needs up to 5 s
      // to tell its clients and close.
      kill_timeout: 8000,
      max_restarts: 10,
    },
  ],
};
