import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, Option } from 'commander';
import { TaskDashboardModule } from '../../dashboard/task-dashboard.module';
import { OptionalDependencyError } from '../../errors';
import { TaskModule } from '../../module/task.module';
import { redactUrl } from '../../utils/redact';
import { TaskMetricsModule } from '../../monitoring/metrics/task-metrics.module';
import { BasicAuthGuard } from '../basic-auth.guard';
import { addBrokerOptions, checkBrokerOptions, type BrokerOptions } from '../broker-options';
import { logLevelOption, logLevels } from '../log-level';
import { parseCount } from './worker.command';

interface DashboardOptions extends BrokerOptions {
  port: number;
  host: string;
  path: string;
  readOnly?: boolean;
  public?: boolean;
  allowedHost: string[];
  basicAuth?: string;
  metrics: boolean;
  loglevel: string;
}

/** `--host` values that mean every interface: not a name anyone browses to. */
const EVERY_INTERFACE = ['0.0.0.0', '::', '[::]'];

function available(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

export function dashboardCommand(): Command {
  return addBrokerOptions(
    new Command('dashboard')
      .description('serve the dashboard (and /metrics) standalone, like Flower')
      .option('-p, --port <port>', 'port', parseCount, 5555)
      .option('--host <host>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
      .option('--path <path>', 'where the pages are mounted', '/')
      .option('--read-only', 'show, never change')
      .option('--public', 'allow actions without --basic-auth, to anyone who reaches it (without either it is read-only)')
      .option('--allowed-host <name>', 'a Host it answers to besides localhost, 127.0.0.1, [::1] and --host (repeatable)', (name: string, names: string[]) => [...names, name], [])
      .addOption(new Option('--basic-auth <user:password>', 'ask for these credentials').env('NEST_TASKS_BASIC_AUTH'))
      .option('--no-metrics', 'do not serve /metrics')
      .addOption(logLevelOption().default('warn')),
  ).action(async (options: DashboardOptions) => {
    const { broker, prefix } = checkBrokerOptions(options);
    if (!available('@nestjs/platform-express')) throw new OptionalDependencyError('@nestjs/platform-express', 'nest-tasks dashboard');
    const basicAuth = options.basicAuth ? new BasicAuthGuard(options.basicAuth) : undefined;
    const imports: DynamicModule[] = [
      TaskModule.forRoot({ broker, prefix, connectRetries: 2, connectRetryDelay: 300 }),
      TaskDashboardModule.register({
        path: options.path,
        readOnly: options.readOnly === true,
        public: options.public === true,
        guard: basicAuth,
        // --host by name too: the server only knows the address it resolved to.
        allowedHosts: [...(EVERY_INTERFACE.includes(options.host) ? [] : [options.host]), ...options.allowedHost],
      }),
    ];
    const metrics = options.metrics && available('prom-client');
    if (metrics) imports.push(TaskMetricsModule.register({ path: options.path === '/' ? '/metrics' : `${options.path}/metrics` }));
    @Module({ imports })
    class NestTasksDashboardModule {}
    const app = await NestFactory.create(NestTasksDashboardModule, { logger: logLevels(options.loglevel), abortOnError: false });
    // Every route asks for --basic-auth, /metrics included (the dashboard's routes also
    // name it as their guard, which is what lets them act).
    if (basicAuth) app.useGlobalGuards(basicAuth);
    app.enableShutdownHooks();
    await app.listen(options.port, options.host);
    const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}${options.path === '/' ? '/' : options.path}`;
    new Logger('nest-tasks').log(`Dashboard of ${redactUrl(broker)} (prefix ${prefix}) on ${url}${metrics ? ', metrics on /metrics' : ''}`);
    process.stdout.write(`Dashboard: ${url}\n`);
  });
}
