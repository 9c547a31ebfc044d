#!/usr/bin/env node
import 'reflect-metadata';
import { runCli } from './program';

void runCli(process.argv).then((code) => {
  if (code !== 0) process.exit(code);
});
