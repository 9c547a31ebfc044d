import { UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { TaskConfigError } from '../errors';

/** `--basic-auth user:password` for the standalone dashboard (put it behind TLS). */
export class BasicAuthGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(credentials: string) {
    if (typeof credentials !== 'string' || !/^[^:]+:.+$/.test(credentials)) {
      throw new TaskConfigError('--basic-auth', credentials ? '<hidden>' : credentials, 'user:password');
    }
    this.expected = digest(`Basic ${Buffer.from(credentials).toString('base64')}`);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const header = (http.getRequest() as { headers: Record<string, string | undefined> }).headers.authorization ?? '';
    if (timingSafeEqual(digest(header), this.expected)) return true;
    const response = http.getResponse() as { setHeader?: (k: string, v: string) => void; header?: (k: string, v: string) => void };
    const challenge = 'Basic realm="nest-tasks", charset="UTF-8"';
    if (response.setHeader) response.setHeader('WWW-Authenticate', challenge);
    else response.header?.('WWW-Authenticate', challenge);
    throw new UnauthorizedException();
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
