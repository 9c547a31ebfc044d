import { Option, type Command } from 'commander';
import { DEFAULT_PREFIX } from '../constants';
import { TaskConfigError } from '../errors';
import { isMultiHostUrl, parseMultiHostUrl } from '../config/broker-address';
import { parseUrl, redactUrl } from '../utils/redact';

/** `--broker` and `--prefix`: the commands that need no task code. */
export interface BrokerOptions {
  broker: string;
  prefix: string;
}

export function addBrokerOptions(command: Command): Command {
  return command
    .addOption(new Option('--broker <url>', 'Redis URL of the broker (redis://, rediss://, redis+cluster://h1:p1,h2:p2, redis+sentinel://s1:p1,s2:p2/<master>)').env('REDIS_URL').default('redis://127.0.0.1:6379'))
    .addOption(new Option('--prefix <prefix>', 'key prefix of TaskModule.forRoot({ prefix })').env('NEST_TASKS_PREFIX').default(DEFAULT_PREFIX));
}

/** The CLI reaches workers through Redis only: a memory broker lives inside one process. */
export function checkBrokerOptions(options: BrokerOptions): BrokerOptions {
  if (isMultiHostUrl(options.broker)) {
    parseMultiHostUrl(options.broker, '--broker');
    return options;
  }
  if (!/^rediss?:\/\//.test(options.broker)) {
    throw new TaskConfigError('--broker', redactUrl(options.broker), "a 'redis://', 'rediss://', 'redis+cluster://' or 'redis+sentinel://' URL (memory:// lives inside one process)");
  }
  if (!parseUrl(options.broker)) {
    throw new TaskConfigError('--broker', redactUrl(options.broker), "a URL that parses: percent-encode '/', '?', '#' and '@' in the password (%2F, %3F, %23, %40)");
  }
  return options;
}
