import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TaskModule, type TaskModuleOptions } from '../../../lib';
import { OpsTasks } from '../fixtures/ops.tasks';

/** A Nest HTTP app (express) on a free loopback port, with TaskModule and more. */
export async function createHttpApp(
  options: TaskModuleOptions,
  imports: DynamicModule[] = [],
  extra: { providers?: Type[]; controllers?: Type[]; configure?: (app: INestApplication) => void; host?: string } = {},
): Promise<{ app: INestApplication; url: string }> {
  @Module({
    imports: [TaskModule.forRoot({ heartbeatInterval: 200, ...options }), ...imports],
    providers: extra.providers ?? [OpsTasks],
    controllers: extra.controllers ?? [],
  })
  class HttpTestModule {}
  const app = await NestFactory.create(HttpTestModule, { logger: process.env.TEST_LOGS ? undefined : false, abortOnError: false });
  extra.configure?.(app);
  const host = extra.host ?? '127.0.0.1';
  await app.listen(0, host);
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://${host}:${address.port}` };
}

/** An HTTP request on a connection of its own (closed after), so no keep-alive socket outlives a test. */
export async function httpRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: { connection: 'close', ...init.headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
