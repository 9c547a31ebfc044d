import { TaskConfigError } from '../errors';
import { redactMultiHost } from '../utils/redact';

export interface HostPort {
  host: string;
  port: number;
}

/** What a multi-host broker URL names: `redis+cluster://…` or `redis+sentinel://…/<master name>`. */
export interface MultiHostAddress {
  kind: 'cluster' | 'sentinel';
  nodes: HostPort[];
  tls: boolean;
  username?: string;
  password?: string;
  /** Sentinel only: the monitored master's name. */
  name?: string;
  /** Sentinel only: the database. */
  db?: number;
  /** The address without credentials, for logs and errors. */
  description: string;
}

const MULTI_HOST = /^(redis|rediss)\+(cluster|sentinel):\/\/(?:([^/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?[^#]*)?$/i;
const NODE = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/;

export function isMultiHostUrl(value: string): boolean {
  return /^rediss?\+(cluster|sentinel):\/\//i.test(value);
}

/**
 * Parses `redis+cluster://[user:pass@]h1:7000,h2:7001` and
 * `redis+sentinel://[user:pass@]s1:26379,s2:26379/<master name>[/<db>]` (`rediss+…` for TLS);
 * throws TaskConfigError naming `option` (its value shown without credentials).
 */
export function parseMultiHostUrl(value: string, option = 'broker'): MultiHostAddress {
  const match = MULTI_HOST.exec(value);
  const shown = redactMultiHost(value);
  if (!match) {
    throw new TaskConfigError(option, shown, "'redis+cluster://host:port,host:port' or 'redis+sentinel://host:port,host:port/<master name>'");
  }
  const [, scheme, kind, userinfo, hostList, path] = match;
  const sentinel = kind.toLowerCase() === 'sentinel';
  const defaultPort = sentinel ? 26379 : 6379;
  const nodes: HostPort[] = [];
  for (const entry of hostList.split(',').filter((part) => part !== '')) {
    const node = NODE.exec(entry);
    const port = node?.[3] === undefined ? defaultPort : Number(node[3]);
    if (!node || port < 1 || port > 65535) {
      throw new TaskConfigError(option, shown, `host:port entries separated by commas ('${entry}' is not one)`);
    }
    nodes.push({ host: node[1] ?? node[2], port });
  }
  if (nodes.length === 0) {
    throw new TaskConfigError(option, shown, `a '${scheme}+${kind}://' URL that names at least one ${sentinel ? 'sentinel' : 'node'} (host:port, comma-separated)`);
  }
  const address: MultiHostAddress = {
    kind: sentinel ? 'sentinel' : 'cluster',
    nodes,
    tls: scheme.toLowerCase() === 'rediss',
    description: `${scheme.toLowerCase()}+${kind.toLowerCase()}://${hostList}${sentinel ? path ?? '' : ''}`,
  };
  if (userinfo) {
    const colon = userinfo.indexOf(':');
    const user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), option, shown);
    if (user) address.username = user;
    if (colon >= 0) address.password = decode(userinfo.slice(colon + 1), option, shown);
  }
  const segments = (path ?? '').split('/').filter((part) => part !== '');
  if (sentinel) {
    if (segments.length === 0 || segments.length > 2) {
      throw new TaskConfigError(option, shown, "'redis+sentinel://host:port,…/<master name>' (optionally '/<db>' after the name)");
    }
    address.name = decode(segments[0], option, shown);
    if (segments.length === 2) {
      const db = Number(segments[1]);
      if (!Number.isInteger(db) || db < 0) throw new TaskConfigError(option, shown, 'a database number after the master name');
      address.db = db;
    }
  } else if (segments.length > 0 && !(segments.length === 1 && segments[0] === '0')) {
    throw new TaskConfigError(option, shown, 'a cluster URL without a database: Redis Cluster has database 0 only');
  }
  return address;
}

function decode(part: string, option: string, shown: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new TaskConfigError(option, shown, 'credentials that are valid percent-encoding');
  }
}
