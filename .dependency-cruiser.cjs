// Layering of lib/, checked by `npm run lint` (and so by CI): `npx depcruise lib`.
// The parts and the imports that must never exist are drawn in docs/architecture.json.
const part = {
  client: '^lib/client/',
  canvas: '^lib/canvas/',
  worker: '^lib/worker/',
  scheduler: '^lib/scheduler/',
  monitoring: '^lib/monitoring/',
  redis: '^lib/broker/redis/',
  memory: '^lib/broker/memory/',
  ports: '^lib/broker/ports/',
  wire: '^lib/serialization/',
  config: '^lib/config/',
  module: '^lib/module/',
  execution: '^lib/execution/',
  decorators: '^lib/decorators/',
  ops: '^lib/(cli|dashboard)/',
  dispatch: '^lib/dispatch/',
  testing: '^lib/testing/',
  telemetry: '^lib/telemetry/',
};

const never = (from, to, because) => ({
  name: `no-${from}-to-${to}`,
  comment: because,
  severity: 'error',
  from: { path: part[from] },
  to: { path: part[to] },
});

module.exports = {
  forbidden: [
    {
      name: 'no-file-cycles',
      comment: 'Files of lib/ import each other in one direction (type imports count).',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'The folders of lib/ form layers.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'backends-stay-in-their-folder',
      comment: 'Nothing outside lib/broker names a Redis or memory class: it asks the backend for a role.',
      severity: 'error',
      from: { path: '^lib/', pathNot: ['^lib/broker/', '^lib/internal\\.ts$'] },
      to: { path: '^lib/broker/(redis|memory)/' },
    },
    never('canvas', 'client', 'workflows dispatch through lib/dispatch; the facade sits on top'),
    never('client', 'worker', 'a producer never loads worker code'),
    never('worker', 'redis', 'the worker speaks to roles, not to a transport'),
    never('worker', 'memory', 'the worker speaks to roles, not to a transport'),
    never('wire', 'canvas', 'the wire format owns the workflow spec'),
    never('redis', 'worker', 'a backend knows messages, not execution'),
    never('redis', 'execution', 'a backend knows messages, not execution'),
    never('memory', 'execution', 'a backend knows messages, not execution'),
    never('client', 'ops', 'the library does not depend on its CLI or dashboard'),
    never('ports', 'redis', 'roles are transport-free'),
    never('ports', 'memory', 'roles are transport-free'),
    never('config', 'module', 'options resolve without the Nest module'),
    never('execution', 'worker', 'eager mode and workers share execution; it knows neither'),
    never('decorators', 'ports', 'decorators only write metadata'),
    never('dispatch', 'testing', 'the dispatcher hands recorded messages to a port (TASK_RECORDING)'),
    never('telemetry', 'ports', 'telemetry sees messages, never the broker'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
